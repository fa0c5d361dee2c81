// Auth configs: a project's choice of how its users connect to one toolkit.
// Secret creation fields are encrypted with the key ring; the row identity is
// the AAD. Managed configs take OAuth app credentials from the operator.
import { ApiError } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import type { AuthMode, AuthScheme, ToolkitDef } from '../toolkits/types.ts';
import { CursorError } from '../store/cursor.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import { addressPolicy, assertLiteralHostAllowed } from '../proxy/ssrf.ts';
// ResolvedAuthConfig lives beside the proxy that consumes it (a lower layer); services keep importing it from here.
import type { ResolvedAuthConfig } from '../proxy/types.ts';
export type { ResolvedAuthConfig } from '../proxy/types.ts';
import type { ToolCatalog } from '../tools/catalog.ts';
import { mergeToolAccess, toolAccessColumn, toolAccessOf, type ToolAccessInput } from '../tools/access.ts';
import { usesAccessToken } from '../toolkits/modes.ts';

export type ManagedAuth = Record<string, Record<string, string>>;

export interface AuthConfigInput {
  toolkitSlug: string;
  type: 'use_composio_managed_auth' | 'use_custom_auth';
  authScheme?: string;
  name?: string;
  credentials: Record<string, unknown>;
  toolAccess?: ToolAccessInput;
  isEnabledForToolRouter?: boolean;
  allowReconnectAsOtherIdentity?: boolean;
  /** Egress for this config's accounts through an HTTP(S) proxy; null removes it (PATCH). */
  proxyConfig?: ProxyConfigInput | null;
}

export interface ProxyConfigInput {
  proxy_url: string;
  proxy_auth_key?: string;
}

/** A decrypted auth config, for services that start flows with it. */
export function normalizeScopes(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(/[\s,]+/);
  return [...new Set(list.map((s) => s.trim()).filter(Boolean))];
}

export function maskSecret(value: string): string {
  return value.length >= 16 ? `********${value.slice(-4)}` : '********';
}

const aad = ENCRYPTED_FIELDS.authConfigSecrets.aad;

export function createAuthConfigService(deps: {
  store: Store;
  keyRing: KeyRing;
  catalog: Catalog;
  managedAuth: ManagedAuth;
  now: () => Date;
  /** Checks tool_access_config slugs and turns tools_for_connected_account_creation into OAuth scopes. */
  tools?: ToolCatalog;
  /** AUTHLINK_PROXY_ALLOW_PRIVATE: a proxy_config may name a private address only where the proxy could call one. */
  allowPrivateNetworks?: boolean | string[];
}) {
  const { store, keyRing, catalog } = deps;
  const policy = addressPolicy(deps.allowPrivateNetworks ?? false);
  const proxyKeyAad = ENCRYPTED_FIELDS.authConfigProxyKey.aad;

  /** proxy_config checked: an http(s) URL of a proxy (no path, query or user info), its host allowed; the key a header-safe string. */
  function proxyColumns(
    row: Pick<AuthConfigRow, 'project_id' | 'id'>,
    input: ProxyConfigInput | null,
    at: string,
  ): Pick<AuthConfigRow, 'proxy_url' | 'proxy_auth_key_enc'> {
    if (input === null) return { proxy_url: null, proxy_auth_key_enc: null };
    const problems: string[] = [];
    let url: URL | undefined;
    try {
      url = new URL(input.proxy_url);
    } catch {
      problems.push(`${at}proxy_config.proxy_url: not an absolute URL`);
    }
    if (url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`${at}proxy_config.proxy_url: must be http:// or https://`);
      if (url.username || url.password) problems.push(`${at}proxy_config.proxy_url: put the credential in proxy_auth_key, not in the URL`);
      if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
        problems.push(`${at}proxy_config.proxy_url: a proxy URL has no path, query or fragment`);
      try {
        assertLiteralHostAllowed(url, policy);
      } catch (e) {
        problems.push(`${at}proxy_config.proxy_url: ${(e as Error).message}`);
      }
    }
    if (input.proxy_auth_key !== undefined && !/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(input.proxy_auth_key)) {
      problems.push(`${at}proxy_config.proxy_auth_key: must be printable ASCII without surrounding spaces`);
    }
    if (problems.length) throw new ApiError('ValidationFailed', `Invalid proxy_config: ${problems[0]}`, { errors: problems });
    return {
      proxy_url: url!.origin,
      proxy_auth_key_enc: input.proxy_auth_key ? keyRing.encrypt(input.proxy_auth_key, proxyKeyAad(row)) : null,
    };
  }

  /**
   * The tool access column after a request, and the OAuth scopes its
   * tools_for_connected_account_creation ask for (Composio: "If passed, this
   * will update the scopes"), unless the request sets scopes itself.
   */
  function toolAccessChange(current: string | null | undefined, input: ToolAccessInput | undefined, toolkit: string, scheme: AuthScheme) {
    if (!input || (input.tool_access_config === undefined && input.restrict_to_following_tools === undefined)) return undefined;
    const { access, problems } = mergeToolAccess(toolAccessOf({ tool_access: current }), input, toolkit, (s) => deps.tools?.get(s));
    if (problems.length)
      throw new ApiError('ValidationFailed', `Invalid tool access: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
        errors: problems,
        suggestedFix: `List the toolkit's tools with GET /api/v3.1/tools?toolkit_slug=${toolkit}`,
      });
    const creation = input.tool_access_config?.tools_for_connected_account_creation;
    const scopes = creation?.length && usesAccessToken(scheme.mode) ? [...new Set(creation.flatMap((s) => deps.tools?.get(s)?.def.scopes ?? []))] : undefined;
    return { column: toolAccessColumn(access), scopes: scopes?.length ? scopes : undefined };
  }

  /**
   * allow_reconnect_as_other_identity only means something where identities
   * are compared, i.e. OAuth2 (issue #15): elsewhere a request setting it to
   * true is refused rather than silently stored.
   */
  function reconnectIdentityFlag(scheme: AuthScheme, value: boolean | undefined): number | undefined {
    if (value === undefined) return undefined;
    if (value && scheme.mode !== 'OAUTH2') {
      throw new ApiError('ValidationFailed', `allow_reconnect_as_other_identity applies to OAUTH2 auth configs only, not ${scheme.mode}`, {
        errors: [`allow_reconnect_as_other_identity: ${scheme.mode} accounts have no provider identity to compare; leave it out`],
      });
    }
    return value ? 1 : 0;
  }

  function toolkitOrThrow(slug: string): ToolkitDef {
    const toolkit = catalog.get(slug);
    if (!toolkit) {
      throw new ApiError('ToolkitUnknown', `Unknown toolkit ${slug}`, {
        errors: [`toolkit.slug: no toolkit named ${slug}`],
        suggestedFix: 'List toolkits with GET /api/v3.1/toolkits',
      });
    }
    return toolkit;
  }

  function schemeOrThrow(toolkit: ToolkitDef, mode: string | undefined): AuthScheme {
    const scheme = mode ? toolkit.auth_schemes.find((s) => s.mode === mode) : toolkit.auth_schemes[0];
    if (!scheme) {
      const modes = toolkit.auth_schemes.map((s) => s.mode).join(', ');
      throw new ApiError('AuthSchemeUnsupported', `Toolkit ${toolkit.slug} does not support auth scheme ${mode}; it supports ${modes}`, {
        errors: [`auth_config.authScheme: must be one of ${modes}`],
      });
    }
    return scheme;
  }

  /** Splits and checks creation fields: unknown keys and missing required ones are errors. */
  function checkFields(scheme: AuthScheme, credentials: Record<string, unknown>, requireAll: boolean) {
    const defs = [...scheme.fields.auth_config_creation.required, ...scheme.fields.auth_config_creation.optional];
    // user_scopes (Slack-style separate user-token scopes) has no effect in authlink, which requests one list per config
    // (the toolkit's scope_param says which): refused rather than stored and ignored.
    if (credentials.user_scopes !== undefined && credentials.user_scopes !== null) {
      throw new ApiError('ValidationFailed', 'user_scopes is not supported by authlink: put every scope in scopes', {
        errors: ['auth_config.credentials.user_scopes: not supported by authlink; use scopes (the toolkit decides which authorize parameter carries them)'],
      });
    }
    const allowed = new Set([...defs.map((f) => f.name), 'scopes']);
    const unknown = Object.keys(credentials).filter((k) => !allowed.has(k) && k !== 'user_scopes');
    if (unknown.length) {
      throw new ApiError('ValidationFailed', `Unknown credential field(s) for ${scheme.mode}: ${unknown.join(', ')}`, {
        errors: unknown.map((k) => `auth_config.credentials.${k}: not a field of this scheme (allowed: ${[...allowed].join(', ')})`),
      });
    }
    const settings: Record<string, unknown> = {};
    const secrets: Record<string, string> = {};
    for (const def of defs) {
      if (def.name === 'scopes' || def.name === 'user_scopes') continue; // a list or a string: normalised below
      const v = credentials[def.name];
      if (v === undefined || v === null || v === '') continue;
      if (typeof v !== 'string')
        throw new ApiError('ValidationFailed', `auth_config.credentials.${def.name} must be a string`, {
          errors: [`auth_config.credentials.${def.name}: must be a string`],
        });
      if (def.secret) secrets[def.name] = v;
      else settings[def.name] = v;
    }
    if (requireAll) {
      const missing = scheme.fields.auth_config_creation.required
        .filter((f) => settings[f.name] === undefined && secrets[f.name] === undefined)
        .map((f) => f.name);
      if (missing.length) {
        throw new ApiError('MissingRequiredFields', `Missing required fields for ${scheme.mode}: ${missing.join(', ')}`, {
          errors: missing.map((m) => `auth_config.credentials.${m}: is required`),
          suggestedFix: 'Pass them in auth_config.credentials (see GET /api/v3.1/toolkits/{slug} auth_config_details)',
        });
      }
    }
    const scopes = normalizeScopes(credentials.scopes);
    if (scopes) settings.scopes = scopes;
    return { settings, secrets };
  }

  // Rows from the store's read cache are frozen and shared until they expire:
  // resolve (parse, decrypt) each of them once, not on every link and call.
  const resolvedOf = new WeakMap<AuthConfigRow, ResolvedAuthConfig>();

  async function getRow(projectId: string, id: string): Promise<AuthConfigRow> {
    const row = await store.authConfigs.get(projectId, id);
    if (!row) throw new ApiError('AuthConfigNotFound', `Auth config ${id} not found`, { suggestedFix: 'List auth configs with GET /api/v3.1/auth_configs' });
    return row;
  }

  return {
    getRow,

    async create(projectId: string, input: AuthConfigInput): Promise<AuthConfigRow> {
      const toolkit = toolkitOrThrow(input.toolkitSlug);
      const managed = input.type === 'use_composio_managed_auth';
      const scheme = schemeOrThrow(toolkit, managed ? (input.authScheme ?? toolkit.auth_schemes[0].mode) : input.authScheme);
      if (!managed && !input.authScheme) {
        throw new ApiError('ValidationFailed', 'auth_config.authScheme is required with use_custom_auth', { errors: ['auth_config.authScheme: is required'] });
      }
      if (managed && scheme.mode === 'OAUTH2' && !deps.managedAuth[toolkit.slug]) {
        throw new ApiError('ManagedAuthUnavailable', `No managed OAuth app is configured for ${toolkit.slug} on this server`, {
          suggestedFix: `Ask the operator to add ${toolkit.slug} client_id/client_secret to AUTHLINK_MANAGED_AUTH_FILE, or create the auth config with type use_custom_auth and your own OAuth app`,
        });
      }
      // A managed config gets its app credentials from the operator: only scopes may be given.
      const { settings, secrets } = checkFields(scheme, input.credentials, !managed);
      const access = toolAccessChange(null, input.toolAccess, toolkit.slug, scheme);
      if (access?.scopes && settings.scopes === undefined) settings.scopes = access.scopes;
      const ts = deps.now().toISOString();
      const row: AuthConfigRow = {
        id: newId('ac'),
        project_id: projectId,
        toolkit_slug: toolkit.slug,
        name: input.name?.trim() || `${toolkit.name} ${scheme.mode === 'OAUTH2' ? 'OAuth' : scheme.name}`,
        auth_scheme: scheme.mode,
        is_composio_managed: managed ? 1 : 0,
        status: 'ENABLED',
        settings: JSON.stringify(settings),
        secrets_enc: null,
        tool_access: access?.column ?? null,
        tool_router_enabled: input.isEnabledForToolRouter === false ? 0 : 1,
        allow_reconnect_as_other_identity: reconnectIdentityFlag(scheme, input.allowReconnectAsOtherIdentity) ?? 0,
        created_at: ts,
        updated_at: ts,
        deleted_at: null,
      };
      if (Object.keys(secrets).length) row.secrets_enc = keyRing.encrypt(JSON.stringify(secrets), aad(row));
      if (input.proxyConfig) Object.assign(row, proxyColumns(row, input.proxyConfig, 'auth_config.'));
      await store.authConfigs.insert(row);
      return row;
    },

    async update(
      projectId: string,
      id: string,
      patch: {
        name?: string;
        credentials?: Record<string, unknown>;
        toolAccess?: ToolAccessInput;
        isEnabledForToolRouter?: boolean;
        allowReconnectAsOtherIdentity?: boolean;
        proxyConfig?: ProxyConfigInput | null;
      },
    ): Promise<AuthConfigRow> {
      const row = await getRow(projectId, id);
      const toolkit = toolkitOrThrow(row.toolkit_slug);
      const scheme = schemeOrThrow(toolkit, row.auth_scheme);
      const set: Partial<AuthConfigRow> = { updated_at: deps.now().toISOString() };
      if (patch.name !== undefined) {
        if (!patch.name.trim()) throw new ApiError('ValidationFailed', 'name must not be empty', { errors: ['name: must not be empty'] });
        set.name = patch.name.trim();
      }
      if (patch.credentials) {
        const { settings, secrets } = checkFields(scheme, patch.credentials, false);
        const current = decryptSecrets(row);
        set.settings = JSON.stringify({ ...JSON.parse(row.settings), ...settings });
        const merged = { ...current, ...secrets };
        set.secrets_enc = Object.keys(merged).length ? keyRing.encrypt(JSON.stringify(merged), aad(row)) : null;
      }
      if (patch.isEnabledForToolRouter !== undefined) set.tool_router_enabled = patch.isEnabledForToolRouter ? 1 : 0;
      if (patch.proxyConfig !== undefined) Object.assign(set, proxyColumns(row, patch.proxyConfig, ''));
      const reconnectFlag = reconnectIdentityFlag(scheme, patch.allowReconnectAsOtherIdentity);
      if (reconnectFlag !== undefined) set.allow_reconnect_as_other_identity = reconnectFlag;
      const access = toolAccessChange(row.tool_access, patch.toolAccess, row.toolkit_slug, scheme);
      if (access) {
        set.tool_access = access.column;
        if (access.scopes && patch.credentials?.scopes === undefined)
          set.settings = JSON.stringify({ ...JSON.parse(set.settings ?? row.settings), scopes: access.scopes });
      }
      return (await store.authConfigs.update(projectId, id, set)) ?? getRow(projectId, id);
    },

    async setStatus(projectId: string, id: string, status: 'ENABLED' | 'DISABLED'): Promise<AuthConfigRow> {
      await getRow(projectId, id);
      const row = await store.authConfigs.update(projectId, id, { status, updated_at: deps.now().toISOString() });
      return row ?? getRow(projectId, id);
    },

    /** Soft delete: the row stays for its accounts' history, which become unusable. */
    async remove(projectId: string, id: string): Promise<void> {
      const ts = deps.now().toISOString();
      const row = await store.authConfigs.update(projectId, id, { deleted_at: ts, updated_at: ts, status: 'DISABLED' });
      if (!row) await getRow(projectId, id);
    },

    async list(projectId: string, q: { toolkitSlug?: string; showDisabled: boolean; search?: string; isManaged?: boolean; cursor?: string; limit: number }) {
      try {
        return await store.authConfigs.list({ projectId, ...q });
      } catch (e) {
        if (e instanceof CursorError) throw new ApiError('ValidationFailed', 'Invalid cursor', { errors: ['cursor: not a cursor this API returned'] });
        throw e;
      }
    },

    /** The public view of the creation fields: secrets masked. */
    /** proxy_config as the API shows it: the key masked. */
    publicProxyConfig(row: AuthConfigRow): { proxy_url: string; proxy_auth_key?: string } | null {
      if (!row.proxy_url) return null;
      return {
        proxy_url: row.proxy_url,
        ...(row.proxy_auth_key_enc ? { proxy_auth_key: maskSecret(keyRing.decrypt(row.proxy_auth_key_enc, proxyKeyAad(row))) } : {}),
      };
    },

    publicCredentials(row: AuthConfigRow): Record<string, unknown> {
      const out: Record<string, unknown> = { ...JSON.parse(row.settings) };
      for (const [k, v] of Object.entries(decryptSecrets(row))) out[k] = maskSecret(v);
      return out;
    },

    /** Everything a flow needs, with secrets decrypted (managed: from the operator's file). */
    async resolve(projectId: string, id: string): Promise<ResolvedAuthConfig> {
      const row = await getRow(projectId, id);
      return resolveRow(row);
    },
    resolveRow,
  };

  function decryptSecrets(row: AuthConfigRow): Record<string, string> {
    return row.secrets_enc ? (JSON.parse(keyRing.decrypt(row.secrets_enc, aad(row))) as Record<string, string>) : {};
  }

  function resolveRow(row: AuthConfigRow): ResolvedAuthConfig {
    if (!Object.isFrozen(row)) return resolveFresh(row);
    let resolved = resolvedOf.get(row);
    if (!resolved) {
      resolved = resolveFresh(row);
      resolvedOf.set(row, resolved);
    }
    return resolved;
  }

  function resolveFresh(row: AuthConfigRow): ResolvedAuthConfig {
    const toolkit = toolkitOrThrow(row.toolkit_slug);
    const scheme = schemeOrThrow(toolkit, row.auth_scheme as AuthMode);
    const settings = JSON.parse(row.settings) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings)) if (typeof v === 'string') values[k] = v;
    Object.assign(values, row.is_composio_managed ? (deps.managedAuth[row.toolkit_slug] ?? {}) : {}, decryptSecrets(row));
    const scopes = (settings.scopes as string[] | undefined) ?? scheme.oauth2?.default_scopes ?? scheme.service_account?.default_scopes ?? [];
    const proxy = row.proxy_url
      ? Object.freeze({ url: row.proxy_url, ...(row.proxy_auth_key_enc ? { authKey: keyRing.decrypt(row.proxy_auth_key_enc, proxyKeyAad(row)) } : {}) })
      : undefined;
    return Object.freeze({ row, toolkit, scheme, scopes: Object.freeze([...scopes]) as string[], values: Object.freeze(values), ...(proxy ? { proxy } : {}) });
  }
}

export type AuthConfigService = ReturnType<typeof createAuthConfigService>;
