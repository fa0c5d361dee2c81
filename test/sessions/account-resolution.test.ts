// Every account-resolution rule of a tool-router session, as a table: the pure
// function, no database.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aclAllows,
  checkSessionPins,
  resolveAccount,
  type CandidateAccount,
  type CandidateAuthConfig,
  type ResolutionConfig,
  type ResolutionErrorKind,
} from '../../src/services/account-resolution.ts';
import type { ErrorKey } from '../../src/errors.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-02-01T00:00:00.000Z';
const T2 = '2026-03-01T00:00:00.000Z';

function acct(id: string, over: Partial<CandidateAccount> = {}): CandidateAccount {
  return {
    id,
    toolkit_slug: 'github',
    user_id: 'alice',
    alias: null,
    account_type: 'PRIVATE',
    acl: null,
    status: 'ACTIVE',
    status_reason: null,
    is_disabled: 0,
    auth_config_id: 'ac_gh',
    created_at: T0,
    deleted_at: null,
    ...over,
  };
}
const shared = (id: string, acl: object | null, over: Partial<CandidateAccount> = {}) =>
  acct(id, { account_type: 'SHARED', user_id: 'carol', acl: acl && JSON.stringify(acl), ...over });

const AUTH_CONFIGS: CandidateAuthConfig[] = [
  { id: 'ac_gh', toolkit_slug: 'github', status: 'ENABLED', deleted_at: null },
  { id: 'ac_gh2', toolkit_slug: 'github', status: 'ENABLED', deleted_at: null },
  { id: 'ac_off', toolkit_slug: 'github', status: 'DISABLED', deleted_at: null },
  { id: 'ac_gone', toolkit_slug: 'github', status: 'ENABLED', deleted_at: T1 },
  { id: 'ac_sl', toolkit_slug: 'slack', status: 'ENABLED', deleted_at: null },
];

type Expect = { id: string; via: 'pinned' | 'implicit' | 'selected' } | { kind: ResolutionErrorKind; key: ErrorKey; message?: string; errors?: string[] };

interface Row {
  name: string;
  config?: Partial<ResolutionConfig>;
  accounts: CandidateAccount[];
  toolkit?: string;
  selected?: string;
  expect: Expect;
}

const rows: Row[] = [
  // --- toolkit reachability
  { name: 'no toolkit filter: every toolkit is reachable', accounts: [acct('ca_a')], expect: { id: 'ca_a', via: 'implicit' } },
  {
    name: 'enable list containing the toolkit',
    config: { toolkits: { enabled: ['github'] } },
    accounts: [acct('ca_a')],
    expect: { id: 'ca_a', via: 'implicit' },
  },
  {
    name: 'enable list without the toolkit: unreachable',
    config: { toolkits: { enabled: ['slack'] } },
    accounts: [acct('ca_a')],
    expect: { kind: 'toolkit_not_enabled', key: 'SessionToolkitNotEnabled', message: 'Toolkit github is not enabled in this session' },
  },
  {
    name: 'disable list with the toolkit: unreachable',
    config: { toolkits: { disabled: ['github'] } },
    accounts: [acct('ca_a')],
    expect: { kind: 'toolkit_not_enabled', key: 'SessionToolkitNotEnabled' },
  },
  {
    name: 'disable list without the toolkit',
    config: { toolkits: { disabled: ['slack'] } },
    accounts: [acct('ca_a')],
    expect: { id: 'ca_a', via: 'implicit' },
  },
  {
    name: 'a pin does not make a disabled toolkit reachable',
    config: { toolkits: { disabled: ['github'] }, connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a')],
    expect: { kind: 'toolkit_not_enabled', key: 'SessionToolkitNotEnabled' },
  },

  // --- implicit (no pin): only the user's own PRIVATE, enabled, ACTIVE accounts
  {
    name: 'implicit: nothing connected',
    accounts: [],
    expect: { kind: 'no_account', key: 'SessionNoConnectedAccount', message: 'User alice has no ACTIVE connected account for github' },
  },
  {
    name: 'implicit: several -> the most recently created',
    accounts: [acct('ca_old', { created_at: T0 }), acct('ca_new', { created_at: T2 }), acct('ca_mid', { created_at: T1 })],
    expect: { id: 'ca_new', via: 'implicit' },
  },
  {
    name: 'implicit: same created_at -> the higher id (stable)',
    accounts: [acct('ca_b'), acct('ca_c'), acct('ca_a')],
    expect: { id: 'ca_c', via: 'implicit' },
  },
  {
    name: 'implicit: never a SHARED account, not even one the user created with allow_all_users',
    accounts: [shared('ca_s', { allow_all_users: true }, { user_id: 'alice' })],
    expect: { kind: 'no_account', key: 'SessionNoConnectedAccount' },
  },
  {
    name: 'implicit: a SHARED one whose ACL allows the user is not used either',
    accounts: [shared('ca_s', { allowed_user_ids: ['alice'] }), acct('ca_a', { created_at: T0 })],
    expect: { id: 'ca_a', via: 'implicit' },
  },
  {
    name: "implicit: another user's PRIVATE account is never a candidate",
    accounts: [acct('ca_bob', { user_id: 'bob' })],
    expect: { kind: 'no_account', key: 'SessionNoConnectedAccount' },
  },
  {
    name: 'implicit: disabled accounts are skipped',
    accounts: [acct('ca_off', { is_disabled: 1, created_at: T2 }), acct('ca_on', { created_at: T0 })],
    expect: { id: 'ca_on', via: 'implicit' },
  },
  ...['INITIALIZING', 'INITIATED', 'FAILED', 'EXPIRED', 'INACTIVE', 'REVOKED'].map(
    (status): Row => ({
      name: `implicit: ${status} accounts are skipped`,
      accounts: [acct('ca_x', { status, created_at: T2 }), acct('ca_ok', { created_at: T0 })],
      expect: { id: 'ca_ok', via: 'implicit' },
    }),
  ),
  {
    name: 'implicit: deleted rows are skipped',
    accounts: [acct('ca_del', { deleted_at: T1, created_at: T2 })],
    expect: { kind: 'no_account', key: 'SessionNoConnectedAccount' },
  },
  {
    name: 'implicit: other toolkits are skipped',
    accounts: [acct('ca_sl', { toolkit_slug: 'slack', auth_config_id: 'ac_sl' })],
    expect: { kind: 'no_account', key: 'SessionNoConnectedAccount' },
  },
  {
    name: 'implicit: accounts of a disabled, deleted or unknown auth config are skipped',
    accounts: [
      acct('ca_1', { auth_config_id: 'ac_off', created_at: T2 }),
      acct('ca_2', { auth_config_id: 'ac_gone', created_at: T2 }),
      acct('ca_3', { auth_config_id: 'ac_nope', created_at: T2 }),
      acct('ca_ok'),
    ],
    expect: { id: 'ca_ok', via: 'implicit' },
  },
  {
    name: 'implicit: auth_configs override restricts the candidates',
    config: { auth_configs: { github: 'ac_gh2' } },
    accounts: [acct('ca_new', { created_at: T2 }), acct('ca_2', { auth_config_id: 'ac_gh2' })],
    expect: { id: 'ca_2', via: 'implicit' },
  },
  {
    name: 'implicit: nothing under the override auth config',
    config: { auth_configs: { github: 'ac_gh2' } },
    accounts: [acct('ca_a')],
    expect: { kind: 'no_account', key: 'SessionNoConnectedAccount', message: 'User alice has no ACTIVE connected account for github with auth config ac_gh2' },
  },
  {
    name: 'implicit: require_explicit_selection with several -> the choices, newest first',
    config: { multi_account: { require_explicit_selection: true } },
    accounts: [acct('ca_old', { alias: 'personal' }), acct('ca_new', { created_at: T1, alias: 'work' })],
    expect: {
      kind: 'selection_required',
      key: 'SessionAccountSelectionRequired',
      message: 'User alice has 2 connected accounts for github, and this session requires choosing one',
      errors: ['connected_account_id: may be ca_new (alias work)', 'connected_account_id: may be ca_old (alias personal)'],
    },
  },
  {
    name: 'implicit: require_explicit_selection with one -> it',
    config: { multi_account: { require_explicit_selection: true } },
    accounts: [acct('ca_a')],
    expect: { id: 'ca_a', via: 'implicit' },
  },
  {
    name: 'implicit: selecting one of the candidates',
    config: { multi_account: { require_explicit_selection: true } },
    accounts: [acct('ca_old'), acct('ca_new', { created_at: T1 })],
    selected: 'ca_old',
    expect: { id: 'ca_old', via: 'selected' },
  },
  {
    name: 'implicit: selecting a SHARED account that is not pinned is refused',
    accounts: [acct('ca_a'), shared('ca_s', { allow_all_users: true })],
    selected: 'ca_s',
    expect: {
      kind: 'selection_not_available',
      key: 'SessionAccountNotAllowed',
      message: 'Connected account ca_s is not one this session can use for github',
      errors: ['connected_account_id: may be ca_a'],
    },
  },
  {
    name: 'implicit: selecting an account when the user has none -> not available (rather than "none")',
    accounts: [shared('ca_s', { allow_all_users: true })],
    selected: 'ca_s',
    expect: { kind: 'selection_not_available', key: 'SessionAccountNotAllowed', message: 'Connected account ca_s is not one this session can use for github' },
  },
  {
    name: "implicit: selecting another user's account is refused",
    accounts: [acct('ca_a'), acct('ca_bob', { user_id: 'bob' })],
    selected: 'ca_bob',
    expect: { kind: 'selection_not_available', key: 'SessionAccountNotAllowed' },
  },

  // --- pinned
  {
    name: 'pinned: the pin wins over a newer own account',
    config: { connected_accounts: { github: ['ca_old'] } },
    accounts: [acct('ca_old'), acct('ca_new', { created_at: T2 })],
    expect: { id: 'ca_old', via: 'pinned' },
  },
  {
    name: 'pinned: unknown id (or another project) -> not found',
    config: { connected_accounts: { github: ['ca_nope'] } },
    accounts: [acct('ca_a')],
    expect: { kind: 'pin_not_found', key: 'ConnectedAccountNotFound', message: 'Connected account ca_nope not found' },
  },
  {
    name: 'pinned: a deleted account -> not found',
    config: { connected_accounts: { github: ['ca_del'] } },
    accounts: [acct('ca_del', { deleted_at: T1 })],
    expect: { kind: 'pin_not_found', key: 'ConnectedAccountNotFound' },
  },
  {
    name: 'pinned: an invalid pin never falls back to the implicit account',
    config: { connected_accounts: { github: ['ca_bob'] } },
    accounts: [acct('ca_bob', { user_id: 'bob' }), acct('ca_mine')],
    expect: { kind: 'pin_other_user', key: 'SessionAccountNotAllowed', message: 'Connected account ca_bob is PRIVATE to another user than alice' },
  },
  {
    name: 'pinned: an account of another toolkit',
    config: { connected_accounts: { github: ['ca_sl'] } },
    accounts: [acct('ca_sl', { toolkit_slug: 'slack', auth_config_id: 'ac_sl' })],
    expect: { kind: 'pin_wrong_toolkit', key: 'SessionConfigInvalid', message: 'Connected account ca_sl is a slack account, not github' },
  },
  {
    name: 'pinned: outside the auth_configs override',
    config: { connected_accounts: { github: ['ca_a'] }, auth_configs: { github: 'ac_gh2' } },
    accounts: [acct('ca_a')],
    expect: {
      kind: 'pin_auth_config_mismatch',
      key: 'SessionConfigInvalid',
      message: 'Connected account ca_a uses auth config ac_gh, but this session uses ac_gh2 for github',
    },
  },
  {
    name: 'pinned: of the override auth config',
    config: { connected_accounts: { github: ['ca_a'] }, auth_configs: { github: 'ac_gh2' } },
    accounts: [acct('ca_a', { auth_config_id: 'ac_gh2' })],
    expect: { id: 'ca_a', via: 'pinned' },
  },
  {
    name: 'pinned: disabled',
    config: { connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a', { is_disabled: 1 })],
    expect: { kind: 'pin_disabled', key: 'ConnectedAccountNotActive', message: 'Connected account ca_a is disabled' },
  },
  {
    name: 'pinned: not ACTIVE (with the reason)',
    config: { connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a', { status: 'EXPIRED', status_reason: 'The refresh token was rejected' })],
    expect: { kind: 'pin_not_active', key: 'ConnectedAccountNotActive', message: 'Connected account ca_a is EXPIRED: The refresh token was rejected' },
  },
  {
    name: 'pinned: INITIATED',
    config: { connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a', { status: 'INITIATED' })],
    expect: { kind: 'pin_not_active', key: 'ConnectedAccountNotActive', message: 'Connected account ca_a is INITIATED' },
  },
  {
    name: 'pinned: its auth config is disabled',
    config: { connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a', { auth_config_id: 'ac_off' })],
    expect: { kind: 'pin_auth_config_unusable', key: 'ConnectedAccountNotActive', message: 'The auth config of connected account ca_a is disabled or deleted' },
  },
  {
    name: 'pinned: its auth config is deleted',
    config: { connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a', { auth_config_id: 'ac_gone' })],
    expect: { kind: 'pin_auth_config_unusable', key: 'ConnectedAccountNotActive' },
  },

  // --- pinned SHARED and its ACL
  {
    name: 'SHARED pin: the creator always',
    config: { user_id: 'carol', connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', null)],
    expect: { id: 'ca_s', via: 'pinned' },
  },
  {
    name: 'SHARED pin: the creator even when on the deny list',
    config: { user_id: 'carol', connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { not_allowed_user_ids: ['carol'] })],
    expect: { id: 'ca_s', via: 'pinned' },
  },
  {
    name: 'SHARED pin: no ACL = creator only',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', null)],
    expect: { kind: 'pin_acl_denied', key: 'SessionAccountNotAllowed', message: 'The ACL of SHARED connected account ca_s does not let user alice use it' },
  },
  {
    name: 'SHARED pin: empty ACL = creator only',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allow_all_users: false, allowed_user_ids: [], not_allowed_user_ids: [] })],
    expect: { kind: 'pin_acl_denied', key: 'SessionAccountNotAllowed' },
  },
  {
    name: 'SHARED pin: allowed_user_ids lets the user in',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allowed_user_ids: ['alice'] })],
    expect: { id: 'ca_s', via: 'pinned' },
  },
  {
    name: 'SHARED pin: allowed_user_ids naming someone else',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allowed_user_ids: ['bob'] })],
    expect: { kind: 'pin_acl_denied', key: 'SessionAccountNotAllowed' },
  },
  {
    name: 'SHARED pin: allow_all_users',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allow_all_users: true })],
    expect: { id: 'ca_s', via: 'pinned' },
  },
  {
    name: 'SHARED pin: the deny list wins over allow_all_users',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allow_all_users: true, not_allowed_user_ids: ['alice'] })],
    expect: { kind: 'pin_acl_denied', key: 'SessionAccountNotAllowed' },
  },
  {
    name: 'SHARED pin: the deny list wins over allowed_user_ids',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allowed_user_ids: ['alice'], not_allowed_user_ids: ['alice'] })],
    expect: { kind: 'pin_acl_denied', key: 'SessionAccountNotAllowed' },
  },
  {
    name: 'SHARED pin: still must be ACTIVE',
    config: { connected_accounts: { github: ['ca_s'] } },
    accounts: [shared('ca_s', { allow_all_users: true }, { status: 'REVOKED' })],
    expect: { kind: 'pin_not_active', key: 'ConnectedAccountNotActive' },
  },
  {
    name: 'two SHARED pins for one toolkit -> 4347, whatever their ACLs',
    config: { multi_account: { enable: true }, connected_accounts: { github: ['ca_s1', 'ca_s2'] } },
    accounts: [shared('ca_s1', { allow_all_users: true }), shared('ca_s2', null)],
    expect: {
      kind: 'multiple_shared',
      key: 'MultipleSharedAccounts',
      message: 'At most one SHARED connected account can be pinned per toolkit; github has 2',
      errors: ['connected_accounts.github: ca_s1, ca_s2 are all SHARED'],
    },
  },

  // --- several pins (multi-account)
  {
    name: 'several pins: one SHARED and one PRIVATE, both usable -> the newest',
    config: { multi_account: { enable: true }, connected_accounts: { github: ['ca_a', 'ca_s'] } },
    accounts: [acct('ca_a'), shared('ca_s', { allow_all_users: true }, { created_at: T1 })],
    expect: { id: 'ca_s', via: 'pinned' },
  },
  {
    name: 'several pins: the unusable ones are skipped',
    config: { multi_account: { enable: true }, connected_accounts: { github: ['ca_new', 'ca_a'] } },
    accounts: [acct('ca_a'), acct('ca_new', { created_at: T2, status: 'EXPIRED' })],
    expect: { id: 'ca_a', via: 'pinned' },
  },
  {
    name: 'several pins: none usable -> each problem listed',
    config: { multi_account: { enable: true }, connected_accounts: { github: ['ca_x', 'ca_b'] } },
    accounts: [acct('ca_b', { user_id: 'bob' })],
    expect: {
      kind: 'no_usable_pin',
      key: 'ConnectedAccountNotFound',
      message: 'None of the 2 connected accounts pinned for github can be used',
      errors: [
        'connected_accounts.github[0]: Connected account ca_x not found',
        'connected_accounts.github[1]: Connected account ca_b is PRIVATE to another user than alice',
      ],
    },
  },
  {
    name: 'several pins + require_explicit_selection -> the choices',
    config: { multi_account: { enable: true, require_explicit_selection: true }, connected_accounts: { github: ['ca_a', 'ca_b'] } },
    accounts: [acct('ca_a'), acct('ca_b')],
    expect: {
      kind: 'selection_required',
      key: 'SessionAccountSelectionRequired',
      message: '2 connected accounts are pinned for github, and this session requires choosing one',
    },
  },
  {
    name: 'several pins: selecting one',
    config: { multi_account: { enable: true, require_explicit_selection: true }, connected_accounts: { github: ['ca_a', 'ca_b'] } },
    accounts: [acct('ca_a'), acct('ca_b')],
    selected: 'ca_a',
    expect: { id: 'ca_a', via: 'selected' },
  },
  {
    name: 'pinned: selecting an own account that is not pinned is refused',
    config: { connected_accounts: { github: ['ca_a'] } },
    accounts: [acct('ca_a'), acct('ca_b')],
    selected: 'ca_b',
    expect: { kind: 'selection_not_available', key: 'SessionAccountNotAllowed' },
  },
  {
    name: 'pinned: selecting a pin that cannot be used gives its own error',
    config: { multi_account: { enable: true }, connected_accounts: { github: ['ca_a', 'ca_s'] } },
    accounts: [acct('ca_a'), shared('ca_s', null)],
    selected: 'ca_s',
    expect: { kind: 'pin_acl_denied', key: 'SessionAccountNotAllowed' },
  },
];

describe('account resolution rules (pure)', () => {
  for (const row of rows) {
    test(row.name, () => {
      const config: ResolutionConfig = { user_id: 'alice', ...row.config };
      const r = resolveAccount({
        config,
        toolkit: row.toolkit ?? 'github',
        accounts: row.accounts,
        authConfigs: AUTH_CONFIGS,
        selectedAccountId: row.selected,
      });
      if ('id' in row.expect) {
        assert.ok(r.ok, JSON.stringify(r));
        assert.deepEqual({ id: r.account.id, via: r.via }, row.expect);
      } else {
        assert.ok(!r.ok, JSON.stringify(r));
        const { kind, key, message, errors } = row.expect;
        assert.equal(r.error.kind, kind);
        assert.equal(r.error.key, key);
        if (message !== undefined) assert.equal(r.error.message, message);
        if (errors !== undefined) assert.deepEqual(r.error.errors, errors);
      }
    });
  }
});

describe('ACL of SHARED accounts', () => {
  const cases: [string, object | null, string, boolean][] = [
    ['creator, no ACL', null, 'carol', true],
    ['creator on the deny list', { not_allowed_user_ids: ['carol'] }, 'carol', true],
    ['other user, no ACL', null, 'alice', false],
    ['other user, empty ACL', {}, 'alice', false],
    ['allowed_user_ids', { allowed_user_ids: ['alice'] }, 'alice', true],
    ['allowed_user_ids, someone else', { allowed_user_ids: ['alice'] }, 'bob', false],
    ['allow_all_users', { allow_all_users: true }, 'bob', true],
    ['deny list beats allow_all_users', { allow_all_users: true, not_allowed_user_ids: ['bob'] }, 'bob', false],
    ['deny list beats allowed_user_ids', { allowed_user_ids: ['bob'], not_allowed_user_ids: ['bob'] }, 'bob', false],
    ['user ids are exact (case-sensitive)', { allowed_user_ids: ['Alice'] }, 'alice', false],
  ];
  for (const [name, acl, user, allowed] of cases) {
    test(name, () => assert.equal(aclAllows({ user_id: 'carol', acl: acl && JSON.stringify(acl) }, user), allowed));
  }
});

describe('pin checks when a session is created or patched', () => {
  const check = (config: Partial<ResolutionConfig>, accounts: CandidateAccount[]) => checkSessionPins({ user_id: 'alice', ...config }, accounts);
  test('usable pins: no problem; a pin still being connected (INITIATED) is accepted', () => {
    assert.deepEqual(check({ connected_accounts: { github: ['ca_a'] } }, [acct('ca_a', { status: 'INITIATED' })]), { problems: [] });
  });
  test('one problem per bad pin, never revealing whether an unknown id exists elsewhere', () => {
    const r = check({ connected_accounts: { github: ['ca_nope'], slack: ['ca_bob'], gmail: ['ca_s'], notion: ['ca_off'] } }, [
      acct('ca_bob', { user_id: 'bob', toolkit_slug: 'slack' }),
      shared('ca_s', { allowed_user_ids: ['bob'] }, { toolkit_slug: 'gmail' }),
      acct('ca_off', { toolkit_slug: 'notion', is_disabled: 1 }),
    ]);
    assert.deepEqual(r, {
      problems: [
        'connected_accounts.github[0]: Connected account ca_nope not found',
        'connected_accounts.slack[0]: Connected account ca_bob is PRIVATE to another user than alice',
        'connected_accounts.gmail[0]: The ACL of SHARED connected account ca_s does not let user alice use it',
        'connected_accounts.notion[0]: Connected account ca_off is disabled',
      ],
    });
  });
  test('one pin per toolkit without multi_account; max_accounts_per_toolkit with it', () => {
    const two = [acct('ca_a'), acct('ca_b')];
    assert.deepEqual(check({ connected_accounts: { github: ['ca_a', 'ca_b'] } }, two).problems, [
      'connected_accounts.github: 2 accounts pinned, at most 1 allowed without multi_account.enable',
    ]);
    assert.deepEqual(check({ multi_account: { enable: true }, connected_accounts: { github: ['ca_a', 'ca_b'] } }, two).problems, []);
    assert.deepEqual(
      check({ multi_account: { enable: true, max_accounts_per_toolkit: 2 }, connected_accounts: { github: ['ca_a', 'ca_b', 'ca_c'] } }, [...two, acct('ca_c')])
        .problems,
      ['connected_accounts.github: 3 accounts pinned, at most 2 allowed (multi_account.max_accounts_per_toolkit)'],
    );
  });
  test('two SHARED pins for a toolkit -> 4347 before anything else', () => {
    const r = check({ multi_account: { enable: true }, connected_accounts: { github: ['ca_s1', 'ca_s2', 'ca_nope'] } }, [
      shared('ca_s1', null),
      shared('ca_s2', null),
    ]);
    assert.equal(r.multipleShared?.key, 'MultipleSharedAccounts');
    assert.deepEqual(r.problems, []);
  });
});
