import { Controller, HttpCode, Post } from '@nestjs/common';
import { SkipTenant } from '../../../lib';
import { DailyDigestService } from './daily-digest.service';

/**
 * Triggers the digest job by hand. Not tenant-scoped: the job enters each
 * tenant itself. A real app would put an admin guard here.
 */
@SkipTenant()
@Controller('digest')
export class DigestController {
  constructor(private readonly digest: DailyDigestService) {}

  @Post()
  @HttpCode(200)
  run() {
    return this.digest.runForAllTenants();
  }
}
