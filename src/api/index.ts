import type { Services } from '../services/index.ts';
import type { ApiApp, RouteOptions } from './types.ts';
import { registerToolkitRoutes } from './toolkits.ts';
import { registerAuthConfigRoutes } from './auth-configs.ts';
import { registerProjectRoutes } from './project.ts';
import { registerLinkRoute } from './connected-accounts-link.ts';
import { registerConnectedAccountRoutes, registerLegacyCreateRoute } from './connected-accounts.ts';

/** Every /api route; registered once under /api/v3.1 and once under /api/v3. */
export function registerApiRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  registerProjectRoutes(api, services, opts);
  registerToolkitRoutes(api, services, opts);
  registerAuthConfigRoutes(api, services, opts);
  registerLinkRoute(api, services, opts);
  registerLegacyCreateRoute(api, services, opts);
  registerConnectedAccountRoutes(api, services, opts);
}
