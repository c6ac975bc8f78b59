import { TenantMisconfiguredError, TenantUnavailableError } from '../../lib';
import { describeFailure, HealthCheckTimeout, redactSecrets, withinTimeout } from '../../lib/health/health-failure';

describe('health failure details', () => {
  it('cut connection strings and passwords out of messages', () => {
    expect(redactSecrets('connect to postgresql://app:s3cret@db:5432/app failed; password=hunter2 host=db')).toBe(
      'connect to [redacted URL] failed; password=[redacted] host=db',
    );
  });

  it("give a package error's code and its public message, not the operator's details", () => {
    const misconfigured = new TenantMisconfiguredError('acme', 'database "tenant_acme" does not exist');
    expect(describeFailure(misconfigured)).toEqual({
      error: 'TENANT_MISCONFIGURED',
      message: 'Tenant "acme" cannot be served.',
    });
    expect(describeFailure(new TenantUnavailableError('acme', 'its database cannot be reached'))).toEqual({
      error: 'TENANT_UNAVAILABLE',
      message: 'Tenant "acme" is temporarily unavailable: its database cannot be reached',
    });
  });

  it("give a driver error's code (SQLSTATE or errno), else ERROR", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeFailure(refused)).toEqual({ error: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' });
    expect(describeFailure(new Error('postgres://u:p@h/d broke'))).toEqual({
      error: 'ERROR',
      message: '[redacted URL] broke',
    });
  });

  it('time out slow work with TIMEOUT, and leave fast work alone', async () => {
    await expect(withinTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
    const slow = withinTimeout(new Promise((resolve) => setTimeout(resolve, 500)), 20);
    await expect(slow).rejects.toBeInstanceOf(HealthCheckTimeout);
    expect(describeFailure(await slow.catch((e: unknown) => e))).toEqual({
      error: 'TIMEOUT',
      message: 'no answer within 20 ms',
    });
  });
});
