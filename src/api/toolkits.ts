import { Type } from 'typebox';
import { ApiError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import type { AuthScheme, FieldDef, ToolkitDef } from '../toolkits/types.ts';
import { Cursor, errors, Limit, StringEnum, type ApiApp, type RouteOptions } from './types.ts';
import { principalOf } from '../http/api-auth.ts';
import { pageOf } from '../services/pages.ts';
import { categoriesOf, category, filterToolkits, type ToolkitFilter } from '../toolkits/listing.ts';

const Field = Type.Object({
  name: Type.String(),
  displayName: Type.String(),
  description: Type.String(),
  type: Type.String(),
  required: Type.Boolean(),
  is_secret: Type.Boolean(),
  default: Type.Union([Type.String(), Type.Null()]),
});
const FieldGroup = Type.Object({ required: Type.Array(Field), optional: Type.Array(Field) });
const AuthConfigDetail = Type.Object({
  mode: Type.String(),
  name: Type.String(),
  fields: Type.Object({ auth_config_creation: FieldGroup, connected_account_initiation: FieldGroup }),
});
// Category: `id` is what GET /toolkits?category= filters on; `slug` is the same
// value under the name the single-toolkit response uses in Composio's spec.
const Category = Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() });
const Page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    total_pages: Type.Integer(),
    current_page: Type.Integer(),
    total_items: Type.Integer(),
  });
const ListFilters = {
  category: Type.Optional(Type.String({ maxLength: 100, description: 'A category id or display name (GET /toolkits/categories)' })),
  managed_by: Type.Optional(
    StringEnum(['composio', 'all', 'project'], { description: "authlink's toolkits are all server-managed: 'project' (custom toolkits) matches none" }),
  ),
  sort_by: Type.Optional(StringEnum(['usage', 'alphabetically'], { description: "usage: this project's connected accounts per toolkit, most first" })),
  cursor: Cursor,
  limit: Limit,
};
const Meta = Type.Object({
  description: Type.String(),
  categories: Type.Array(Category),
  logo: Type.String(),
  app_url: Type.String(),
  // Required by the v3.1 spec (the official client's types); authlink has no
  // tools or triggers and one version of each toolkit definition.
  created_at: Type.String(),
  updated_at: Type.String(),
  tools_count: Type.Integer(),
  triggers_count: Type.Integer(),
  version: Type.String(),
});
const ToolkitSummary = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  type: StringEnum(['native', 'custom']),
  meta: Meta,
  auth_schemes: Type.Array(Type.String()),
  composio_managed_auth_schemes: Type.Array(Type.String()),
  no_auth: Type.Boolean(),
  is_local_toolkit: Type.Boolean(),
  deprecated: Type.Object({ toolkitId: Type.String() }),
});
const ToolkitDetail = Type.Object({
  ...ToolkitSummary.properties,
  meta: Type.Object({ ...Meta.properties, available_versions: Type.Array(Type.String()) }),
  enabled: Type.Boolean(),
  composio_managed_auth: Type.Array(Type.Object({ mode: Type.String(), scopes: Type.Object({ available: Type.Array(Type.String()) }) })),
  base_url: Type.String(),
  auth_config_details: Type.Array(AuthConfigDetail),
  deprecated: Type.Object({ toolkitId: Type.String(), rawProxyInfoByAuthSchemes: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
});

/** Toolkit definitions carry no version or dates: one version, dated from when this server loaded its catalog. */
const VERSION = 'latest';

const field = (required: boolean) => (f: FieldDef) => ({
  name: f.name,
  displayName: f.display_name,
  description: f.description,
  type: f.type,
  required,
  is_secret: f.secret,
  default: f.default ?? null,
});

function detail(s: AuthScheme) {
  const group = (g: AuthScheme['fields']['auth_config_creation']) => ({ required: g.required.map(field(true)), optional: g.optional.map(field(false)) });
  return {
    mode: s.mode,
    name: s.name,
    fields: { auth_config_creation: group(s.fields.auth_config_creation), connected_account_initiation: group(s.fields.connected_account_initiation) },
  };
}

function managedSchemes(t: ToolkitDef, managed: Set<string>): AuthScheme[] {
  return managed.has(t.slug) ? t.auth_schemes.filter((s) => s.mode === 'OAUTH2') : [];
}

function summary(t: ToolkitDef, managed: Set<string>, loadedAt: string, toolsCount: number) {
  return {
    slug: t.slug,
    name: t.name,
    type: 'native' as const,
    meta: {
      description: t.description,
      categories: t.categories.map((c) => ({ ...category(c), slug: c })),
      logo: t.logo ?? '',
      app_url: t.docs_url,
      created_at: loadedAt,
      updated_at: loadedAt,
      tools_count: toolsCount,
      triggers_count: 0,
      version: VERSION,
    },
    auth_schemes: t.auth_schemes.map((s) => s.mode),
    composio_managed_auth_schemes: managedSchemes(t, managed).map((s) => s.mode),
    no_auth: t.auth_schemes.every((s) => s.mode === 'NO_AUTH'),
    is_local_toolkit: false,
    deprecated: { toolkitId: t.slug },
  };
}

export function registerToolkitRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const managed = new Set(Object.keys(services.managedAuth));
  const loadedAt = services.now().toISOString();

  const toolsCount = (slug: string) => services.tools.countForToolkit(slug);
  const view = (t: ToolkitDef) => summary(t, managed, loadedAt, toolsCount(t.slug));
  async function listing(projectId: string, f: ToolkitFilter, limit: number | undefined, cursor: string | undefined) {
    const usage = f.sortBy === 'usage' ? await services.store.accounts.countByToolkit(projectId) : undefined;
    const page = pageOf(filterToolkits(services.catalog.list(), f, usage), limit ?? 20, cursor);
    return { ...page, items: page.items.map(view) };
  }

  api.get(
    '/toolkits',
    {
      schema: {
        hide: opts.hide,
        tags: ['toolkits'],
        summary: 'List toolkits',
        querystring: Type.Object({
          ...ListFilters,
          type: Type.Optional(StringEnum(['native', 'custom', 'all'], { description: 'Takes precedence over managed_by' })),
          search: Type.Optional(Type.String({ maxLength: 200 })),
          include_deprecated: Type.Optional(Type.Boolean({ description: 'authlink has no deprecated toolkits' })),
        }),
        response: { 200: Page(ToolkitSummary), ...errors() },
      },
    },
    async (req) => {
      const q = req.query;
      return listing(
        principalOf(req).projectId,
        { category: q.category, managedBy: q.managed_by, type: q.type, search: q.search, sortBy: q.sort_by },
        q.limit,
        q.cursor,
      );
    },
  );

  api.post(
    '/toolkits/multi',
    {
      schema: {
        hide: opts.hide,
        tags: ['toolkits'],
        summary: 'Get several toolkits by slug (unknown slugs are left out)',
        body: Type.Object({ toolkits: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 })), ...ListFilters }),
        response: { 200: Page(ToolkitSummary), ...errors() },
      },
    },
    async (req) => {
      const b = req.body;
      return listing(principalOf(req).projectId, { slugs: b.toolkits, category: b.category, managedBy: b.managed_by, sortBy: b.sort_by }, b.limit, b.cursor);
    },
  );

  api.get(
    '/toolkits/categories',
    {
      schema: {
        hide: opts.hide,
        tags: ['toolkits'],
        summary: 'List toolkit categories, with how many toolkits each has',
        querystring: Type.Object({ cursor: Cursor, limit: Limit }),
        response: { 200: Page(Type.Object({ id: Type.String(), name: Type.String(), toolkits_count: Type.Integer() })), ...errors() },
      },
    },
    async (req) => pageOf(categoriesOf(services.catalog.list()), req.query.limit ?? 100, req.query.cursor),
  );

  api.get(
    '/toolkits/:slug',
    {
      schema: {
        hide: opts.hide,
        tags: ['toolkits'],
        summary: 'Get a toolkit',
        params: Type.Object({ slug: Type.String({ maxLength: 100 }) }),
        response: { 200: ToolkitDetail, ...errors(404) },
      },
    },
    async (req) => {
      const t = services.catalog.get(req.params.slug);
      if (!t) throw new ApiError('ToolkitNotFound', `Toolkit ${req.params.slug} not found`, { suggestedFix: 'List toolkits with GET /api/v3.1/toolkits' });
      const base = view(t);
      return {
        ...base,
        meta: { ...base.meta, available_versions: [VERSION] },
        enabled: true,
        composio_managed_auth: managedSchemes(t, managed).map((s) => ({ mode: s.mode, scopes: { available: s.oauth2?.default_scopes ?? [] } })),
        base_url: t.base_url,
        auth_config_details: t.auth_schemes.map(detail),
        deprecated: { toolkitId: t.slug, rawProxyInfoByAuthSchemes: [] },
      };
    },
  );
}
