import { CanaryIndex } from '../../lib/testing/canaries/canary-index';

const canary = (value: string, field = 'name') => ({ value, model: 'Project', field });

describe('CanaryIndex', () => {
  const index = new CanaryIndex([
    canary('canary-0badcafe-1'),
    canary('canary-0badcafe-12'),
    canary('9f1c2d3e-0000-4000-8000-000000000001', 'id'),
    canary('1234567890', 'budget'),
    canary('2011-03-04T05:06:07.123Z', 'createdAt'),
  ]);

  it('finds whole values only, once each', () => {
    const body = JSON.stringify([
      { name: 'canary-0badcafe-12' },
      { name: 'canary-0badcafe-12' },
      { budget: 12345678901 },
    ]);
    expect(index.find(body).map((c) => c.value)).toEqual(['canary-0badcafe-12']);
    expect(index.find('{"name":"canary-0badcafe-1 (copy)","budget":1234567890}').map((c) => c.value)).toEqual([
      'canary-0badcafe-1',
      '1234567890',
    ]);
    expect(index.find('{"at":"2011-03-04T05:06:07.123Z"}').map((c) => c.field)).toEqual(['createdAt']);
  });

  it('does not count what the request itself carried', () => {
    const body = '{"message":"Project \\"9f1c2d3e-0000-4000-8000-000000000001\\" was not found."}';
    expect(index.find(body, '/projects/9f1c2d3e-0000-4000-8000-000000000001')).toEqual([]);
    expect(index.find(body, '/projects/other')).toHaveLength(1);
  });

  it('finds nothing with no canaries', () => {
    expect(new CanaryIndex([]).find('canary-0badcafe-1')).toEqual([]);
  });
});
