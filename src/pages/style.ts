/** The one stylesheet, served at /assets/style.css (CSP forbids inline styles). */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #2f5bd3; --warn: #b45309; --muted: #6b7280; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 0 1rem 2rem; display: flex; flex-direction: column; align-items: center; }
header.site { width: 100%; max-width: 72rem; display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem; padding: .75rem 0; margin-bottom: 1rem; border-bottom: 1px solid #e5e7eb; }
header.site nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; min-width: 0; flex: 1 1 auto; }
header.site a { color: inherit; }
header.site a.home { font-weight: 600; }
form.signout { display: flex; align-items: center; gap: .5rem; margin: 0; }
form.signout button { font-size: .85rem; padding: .2rem .7rem; }
main { margin-top: 2rem; }
header.site + main { margin-top: 0; }
main { width: 100%; max-width: 34rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
.card { border: 1px solid #d1d5db; border-radius: 10px; padding: 1.5rem; }
.muted { color: var(--muted); font-size: 0.9rem; }
.warn { color: var(--warn); border-left: 3px solid var(--warn); padding-left: .75rem; margin: 1rem 0; }
.host { font-family: ui-monospace, monospace; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
fieldset { border: 0; padding: 0; margin: 1rem 0; }
label { display: block; margin: .4rem 0; }
input[type=text], input[type=email], input[type=url] { width: 100%; padding: .5rem; font-size: 1rem; border: 1px solid #9ca3af; border-radius: 6px; }
.actions { display: flex; gap: .75rem; margin-top: 1.25rem; }
button { font-size: 1rem; padding: .55rem 1.2rem; border-radius: 6px; border: 1px solid #9ca3af; background: transparent; cursor: pointer; color: inherit; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
a.button { display: block; text-align: center; text-decoration: none; font-size: 1rem; padding: .6rem 1.2rem; border-radius: 6px; border: 1px solid #9ca3af; color: inherit; }
a.button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
ul.providers { list-style: none; padding: 0; margin: 0 0 1rem; display: grid; gap: .6rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
form.filters label { margin: 0; }
form.filters input, form.filters select { padding: .35rem; font-size: .9rem; border: 1px solid #9ca3af; border-radius: 6px; }
main.wide { max-width: 72rem; }
code { font-family: ui-monospace, monospace; font-size: .85rem; }
table { width: 100%; border-collapse: collapse; }
.scroll { overflow-x: auto; }
.id { font-size: .75rem; overflow-wrap: anywhere; }
.row-actions { display: flex; align-items: center; gap: .4rem; flex-wrap: wrap; }
.row-actions button { font-size: .85rem; padding: .2rem .6rem; }
button.danger { color: #b91c1c; border-color: #b91c1c; }
td code { word-break: break-all; }
td, th { text-align: left; padding: .4rem .3rem; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
pre { background: #f3f4f6; padding: .75rem; border-radius: 6px; white-space: pre-wrap; word-break: break-word; }
section.card { margin: 1rem 0; }
form.card { margin: .75rem 0; }
h3 { font-size: 1rem; margin: 0 0 .5rem; }
ul.links { padding-left: 1.2rem; }
form.inline { display: inline; margin: 0; }
.warn-inline { color: var(--warn); font-size: .9rem; }
button.link { border: 0; padding: 0; background: none; color: var(--accent); text-decoration: underline; font-size: .85rem; }
details { margin: .5rem 0; }
details pre { margin: .25rem 0; }
button.copy { font-size: .8rem; padding: .15rem .6rem; }
p.endpoint code { word-break: break-all; }
textarea, select, input[type=number] { width: 100%; padding: .5rem; font: inherit; border: 1px solid #9ca3af; border-radius: 6px; }
`;
