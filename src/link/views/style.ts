// The hosted connect page's only stylesheet. Served by the app at
// STYLESHEET_PATH with content-type text/css (CSP is `style-src 'self'`, so no
// inline <style> or style="" attributes are used anywhere in the views).
// System fonts only, no url() or @import: the page makes no third-party requests.

import { FALLBACK_PALETTE } from '../../toolkits/logos.ts';

export const STYLESHEET_PATH = '/link/assets/style.css';

/** Monogram badge colours: the generated logos' tiles (white text on each has contrast >= 4.5:1). */
export const MONOGRAM_PALETTE: readonly string[] = FALLBACK_PALETTE;

const toneRules = MONOGRAM_PALETTE.map((c, i) => `.tone-${i}{background:${c}}`).join('\n');

export const STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
:root{
  color-scheme:light dark;
  --bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;--border:#e5e7eb;--subtle:#f9fafb;
  --primary:#4f46e5;--primary-hover:#4338ca;--on-primary:#fff;--focus:#2563eb;
  --danger-bg:#fef2f2;--danger-border:#fecaca;--danger-text:#991b1b;
  --warn-bg:#fffbeb;--warn-border:#fde68a;--warn-text:#92400e;
  --info-bg:#eff6ff;--info-border:#bfdbfe;--info-text:#1e3a8a;
  --ok:#15803d;--bad:#b91c1c;--attn:#b45309;
  --shadow:0 1px 2px rgba(0,0,0,.05),0 8px 24px rgba(0,0,0,.06);
}
@media (prefers-color-scheme:dark){:root{
  --bg:#0b0f19;--card:#111827;--text:#f3f4f6;--muted:#9ca3af;--border:#374151;--subtle:#1f2937;
  --focus:#93c5fd;
  --danger-bg:#3b1212;--danger-border:#7f1d1d;--danger-text:#fecaca;
  --warn-bg:#3a2a07;--warn-border:#78350f;--warn-text:#fde68a;
  --info-bg:#172554;--info-border:#1e40af;--info-text:#bfdbfe;
  --ok:#4ade80;--bad:#f87171;--attn:#fbbf24;
  --shadow:0 1px 2px rgba(0,0,0,.4);
}}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.shell{min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;padding:32px 16px}
.card{width:100%;max-width:440px;background:var(--card);border:1px solid var(--border);border-radius:16px;
  box-shadow:var(--shadow);padding:32px 28px}
@media (max-width:480px){.shell{justify-content:flex-start;padding:0}
  .card{max-width:none;min-height:calc(100vh - 56px);border:0;border-radius:0;box-shadow:none;padding:28px 20px}}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 8px;text-align:center;overflow-wrap:anywhere}
h2{font-size:.8125rem;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:24px 0 8px}
p{margin:0 0 12px}
.lead{color:var(--muted);text-align:center;overflow-wrap:anywhere}
.brand-row{display:flex;align-items:center;justify-content:center;gap:12px;margin-bottom:20px}
.monogram{display:inline-flex;align-items:center;justify-content:center;width:48px;height:48px;border-radius:12px;
  color:#fff;font-size:1.375rem;font-weight:700;line-height:1;user-select:none}
${toneRules}
.logo{display:inline-flex;align-items:center;justify-content:center;width:48px;height:48px;border-radius:12px;
  background:#fff;border:1px solid var(--border)}
.connector{color:var(--muted);display:inline-flex}
.status-icon{display:flex;align-items:center;justify-content:center;width:56px;height:56px;margin:0 auto 16px;
  border-radius:50%;background:var(--subtle);border:1px solid var(--border)}
.status-ok{color:var(--ok)}.status-bad{color:var(--bad)}.status-attn{color:var(--attn)}.status-neutral{color:var(--muted)}
.meta{margin:20px 0 0;padding:12px 16px;background:var(--subtle);border:1px solid var(--border);border-radius:10px}
.meta div{display:flex;justify-content:space-between;gap:16px;padding:4px 0}
.meta dt{color:var(--muted);flex:none}
.meta dd{margin:0;text-align:right;font-weight:500;overflow-wrap:anywhere;min-width:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em}
.scopes{list-style:none;margin:0;padding:0;border:1px solid var(--border);border-radius:10px}
.scopes li{padding:8px 12px;overflow-wrap:anywhere}
.scopes li+li{border-top:1px solid var(--border)}
.alert{border:1px solid;border-radius:10px;padding:12px 14px;margin:16px 0;font-size:.9375rem;overflow-wrap:anywhere}
.alert p{margin:0}.alert ul{margin:6px 0 0;padding-left:20px}
.alert-error{background:var(--danger-bg);border-color:var(--danger-border);color:var(--danger-text)}
.alert-warn{background:var(--warn-bg);border-color:var(--warn-border);color:var(--warn-text)}
.alert-info{background:var(--info-bg);border-color:var(--info-border);color:var(--info-text)}
.note{color:var(--muted);font-size:.875rem;margin:16px 0 0;text-align:center}
.field{margin:16px 0 0}
.field label{display:block;font-weight:600;margin-bottom:4px}
.optional{font-weight:400;color:var(--muted)}
.hint{color:var(--muted);font-size:.875rem;margin:0 0 6px;overflow-wrap:anywhere}
.input{display:block;width:100%;padding:10px 12px;font:inherit;color:var(--text);background:var(--card);
  border:1px solid #6b7280;border-radius:8px}
.input:focus{outline:2px solid var(--focus);outline-offset:1px;border-color:var(--focus)}
.actions{margin-top:24px}
.cancel-form{margin-top:10px}
.btn{display:block;width:100%;padding:12px 16px;font:inherit;font-weight:600;text-align:center;text-decoration:none;
  border-radius:10px;border:1px solid transparent;cursor:pointer;overflow-wrap:anywhere}
.btn:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.btn-primary{background:var(--primary);color:var(--on-primary)}
.btn-primary:hover{background:var(--primary-hover)}
.btn-secondary{background:transparent;color:var(--text);border-color:var(--border)}
.btn-secondary:hover{background:var(--subtle)}
.footer{margin-top:20px;padding-bottom:16px;font-size:.8125rem;color:var(--muted);text-align:center}
.footer strong{color:var(--text);font-weight:600}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;
  clip:rect(0,0,0,0);white-space:nowrap;border:0}
@media (prefers-reduced-motion:no-preference){.btn{transition:background-color .15s}}
`;
