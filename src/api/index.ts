import type { Services } from '../services/index.ts';
import type { ApiApp, RouteOptions } from './types.ts';
import { registerToolRouterRoutes } from './tool-router.ts';
import { registerToolRoutes } from './tools.ts';
import { registerMcpRoutes } from './mcp.ts';
import { registerProxyRoute } from './proxy.ts';
import { registerToolkitRoutes } from './toolkits.ts';
import { registerAuthConfigRoutes } from './auth-configs.ts';
import { registerProjectRoutes } from './project.ts';
import { registerWebhookRoutes } from './webhooks.ts';
import { registerLinkRoute } from './connected-accounts-link.ts';
import { registerCompleteAuthRoute } from './connected-accounts-complete-auth.ts';
import { registerConnectedAccountRoutes, registerLegacyCreateRoute } from './connected-accounts.ts';

/** Every /api route; registered once under /api/v3.1 and once under /api/v3. */
export function registerApiRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  registerProjectRoutes(api, services, opts);
  registerWebhookRoutes(api, services, opts);
  registerToolkitRoutes(api, services, opts);
  registerAuthConfigRoutes(api, services, opts);
  registerLinkRoute(api, services, opts);
  registerCompleteAuthRoute(api, services, opts);
  registerLegacyCreateRoute(api, services, opts);
  registerConnectedAccountRoutes(api, services, opts);
  registerProxyRoute(api, services.proxy, opts);
  registerToolRouterRoutes(api, services, opts);
  registerToolRoutes(api, services, opts);
  registerMcpRoutes(api, services, opts);
}
