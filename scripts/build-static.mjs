// Copies the front-end packages the app serves itself into static/vendor.
// htmx is not here: django-htmx ships it and {% htmx_script %} serves it.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const out = "static/vendor";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const copies = [
  ["node_modules/bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["node_modules/bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
  ["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ["node_modules/bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"],
  ["node_modules/bootstrap-icons/font/fonts", "bootstrap-icons/fonts"],
];
for (const [from, to] of copies) {
  cpSync(from, `${out}/${to}`, { recursive: true });
}
console.log(`static/vendor: ${copies.length} files copied`);
