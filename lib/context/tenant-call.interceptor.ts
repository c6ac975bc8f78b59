import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { Observable } from 'rxjs';
import { callContextStore } from '../guards/call-context';

/**
 * Runs a GraphQL resolver, gateway message handler or microservice handler
 * inside the CLS store `TenantGuard` made for its call (as nestjs-cls's own
 * interceptor does), so the handler, and every Observable or promise it
 * returns, sees the call's tenant even when an app's async guard ran before
 * the tenant guard. Bound to those handlers only (tenant-call.binding.ts):
 * HTTP requests run inside the store of `TenantContextMiddleware`.
 * @internal
 */
@Injectable()
export class TenantCallInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const store = context.getType() === 'http' ? undefined : callContextStore(context);
    if (!store) return next.handle();
    const cls = ClsServiceManager.getClsService();
    return new Observable((subscriber) => {
      const subscription = cls.runWith(store, () => next.handle().subscribe(subscriber));
      return () => subscription.unsubscribe();
    });
  }
}
