// The console's only stylesheet, served at CONSOLE_STYLESHEET_PATH (CSP
// `style-src 'self'`: no inline styles anywhere). System fonts, no url() or
// @import: the console makes no third-party request. One column on a phone
// (320 px), the navigation beside the content on a wide screen.

export const CONSOLE_STYLESHEET_PATH = '/console/assets/console.css';

export const CONSOLE_STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
:root{
  color-scheme:light dark;
  --bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;--border:#d1d5db;--subtle:#f9fafb;
  --primary:#4f46e5;--primary-hover:#4338ca;--on-primary:#fff;--focus:#2563eb;
  --danger:#b91c1c;--danger-bg:#fef2f2;--danger-border:#fecaca;--danger-text:#991b1b;
  --info-bg:#eff6ff;--info-border:#bfdbfe;--info-text:#1e3a8a;
  --ok-bg:#dcfce7;--ok-text:#14532d;--bad-bg:#fee2e2;--bad-text:#7f1d1d;--attn-bg:#fef3c7;--attn-text:#78350f;--idle-bg:#e5e7eb;--idle-text:#374151;
}
@media (prefers-color-scheme:dark){:root{
  --bg:#0b0f19;--card:#111827;--text:#f3f4f6;--muted:#9ca3af;--border:#374151;--subtle:#1f2937;
  --primary:#818cf8;--primary-hover:#a5b4fc;--on-primary:#111827;--focus:#93c5fd;
  --danger:#f87171;--danger-bg:#3b1212;--danger-border:#7f1d1d;--danger-text:#fecaca;
  --info-bg:#172554;--info-border:#1e3a8a;--info-text:#bfdbfe;
  --ok-bg:#14532d;--ok-text:#dcfce7;--bad-bg:#7f1d1d;--bad-text:#fee2e2;--attn-bg:#78350f;--attn-text:#fef3c7;--idle-bg:#374151;--idle-text:#e5e7eb;
}}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--primary)}
a:hover{color:var(--primary-hover)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-9999px;top:0;background:var(--card);padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem;top:.5rem}
.topbar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:var(--card);border-bottom:1px solid var(--border)}
.brand{font-weight:700;text-decoration:none;color:var(--text)}
.who{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
.layout{display:flex;flex-direction:column;max-width:1200px;margin:0 auto;padding:1rem;gap:1rem}
nav.side ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
nav.side a{display:block;padding:.5rem .75rem;border-radius:6px;text-decoration:none;color:var(--text)}
nav.side a[aria-current="page"]{background:var(--primary);color:var(--on-primary)}
main{flex:1;min-width:0}
.panel{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:1rem;margin-bottom:1rem}
h1{font-size:1.5rem;margin:0 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 .75rem}
.muted{color:var(--muted)}
.notice{padding:.75rem 1rem;border-radius:8px;border:1px solid var(--info-border);background:var(--info-bg);color:var(--info-text);margin-bottom:1rem}
.error{padding:.75rem 1rem;border-radius:8px;border:1px solid var(--danger-border);background:var(--danger-bg);color:var(--danger-text);margin-bottom:1rem}
.secret{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.5rem;border:1px dashed var(--border);border-radius:6px;overflow-wrap:anywhere;user-select:all}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=text],input[type=password],input[type=url],input[type=search],select,textarea{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid var(--border);border-radius:6px;background:var(--card);color:var(--text)}
.field{margin-bottom:.75rem}
.filters{display:grid;grid-template-columns:1fr;gap:.75rem;align-items:end}
.filters .field{margin:0}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:6px;border:1px solid var(--primary);background:var(--primary);color:var(--on-primary);cursor:pointer;text-decoration:none;min-height:44px}
button:hover,.button:hover{background:var(--primary-hover);color:var(--on-primary)}
button.secondary{background:transparent;color:var(--primary)}
button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
.linkish{background:none;border:none;color:var(--primary);padding:.5rem;min-height:0;text-decoration:underline}
.linkish:hover{background:none;color:var(--primary-hover)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.actions form{margin:0}
dl+.actions,dl+form{margin-top:.75rem}
td.nowrap{white-space:nowrap}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
.table-wrap{overflow-x:auto}
table{width:100%;min-width:34rem;border-collapse:collapse;font-size:.95rem}
caption{text-align:left;color:var(--muted);padding-bottom:.5rem}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--border);vertical-align:top;overflow-wrap:break-word}
th{font-weight:600;white-space:nowrap}
td code{overflow-wrap:normal;word-break:normal}
td button{white-space:nowrap}
td.details{min-width:14rem}
td.details code{overflow-wrap:anywhere}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:.5rem;margin:0}
.stats div{border:1px solid var(--border);border-radius:8px;padding:.5rem .75rem;background:var(--subtle)}
.stats dt{font-size:.85rem;color:var(--muted)}
.stats dd{margin:0;font-size:1.5rem;font-weight:700}
dl.meta{margin:0}
dl.meta>div{display:grid;grid-template-columns:1fr;gap:0 1rem;padding:.3rem 0;border-bottom:1px solid var(--border)}
dl.meta>div:last-child{border-bottom:none}
dl.meta dt{font-weight:600;color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.8rem;font-weight:700}
.st-ACTIVE{background:var(--ok-bg);color:var(--ok-text)}
.st-FAILED,.st-EXPIRED,.st-REVOKED{background:var(--bad-bg);color:var(--bad-text)}
.st-INITIATED,.st-INITIALIZING{background:var(--attn-bg);color:var(--attn-text)}
.st-INACTIVE,.st-DISABLED{background:var(--idle-bg);color:var(--idle-text)}
.logo{width:24px;height:24px;vertical-align:middle;margin-right:.4rem;border-radius:4px}
.tk{display:flex;align-items:center;gap:.25rem}
.choices{list-style:none;margin:0;padding:0}
.choices li{border-bottom:1px solid var(--border);padding:.25rem 0}
.choices a{display:block;padding:.35rem 0}
.hint{font-weight:400;color:var(--muted);font-size:.9rem;margin:.15rem 0 .35rem}
fieldset{border:1px solid var(--border);border-radius:8px;margin:0 0 .75rem;padding:.5rem .75rem;min-width:0}
legend{font-weight:600;padding:0 .25rem}
.checks{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.25rem .75rem}
.checks label{font-weight:400;display:flex;gap:.4rem;align-items:flex-start;overflow-wrap:anywhere}
pre.payload{overflow:auto;max-height:32rem;padding:.75rem;border:1px solid var(--border);border-radius:6px;background:var(--subtle);font-size:.85rem;white-space:pre-wrap;overflow-wrap:anywhere}
input[type=url],input[type=password]{width:100%}
.st-ENABLED,.st-SUCCEEDED{background:var(--ok-bg);color:var(--ok-text)}
.st-DEAD{background:var(--bad-bg);color:var(--bad-text)}
.st-PENDING{background:var(--attn-bg);color:var(--attn-text)}
.funnels{display:grid;grid-template-columns:1fr;gap:1rem}
.funnel{margin:0}
.funnel figcaption{font-weight:600;margin-bottom:.25rem}
.funnel svg{width:100%;max-width:300px;height:auto;display:block}
.funnel .lbl,.funnel .num{fill:var(--text);font:12px system-ui,sans-serif}
.bar{fill:var(--primary)}
.bar-completed{fill:#15803d}
.bar-failed{fill:var(--danger)}
.bar-expired{fill:#b45309}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
ul.scopes{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
.notice p{margin:0 0 .5rem}
.pager{display:flex;gap:1rem;margin-top:.75rem}
.signin{max-width:420px;margin:3rem auto;padding:0 1rem}
@media (min-width:720px){
  .layout{flex-direction:row;align-items:flex-start}
  nav.side{width:200px;flex:none}
  nav.side ul{flex-direction:column}
  .filters{grid-template-columns:2fr 1.5fr 1.5fr 1.5fr auto}
  .funnels{grid-template-columns:1fr 1fr}
  dl.meta>div{grid-template-columns:11rem 1fr}
}
`;
