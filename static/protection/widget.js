// Proof of work for the declaration form (ALTCHA, served from this site).
// Loaded as a module after altcha.min.js. Registers the SHA-256 worker from our own
// static files and gives the widget its strings in the page's language.
const workerUrl = new URL("./altcha/workers/sha.js", import.meta.url).href;
globalThis.$altcha.algorithms.set("SHA-256", () => new Worker(workerUrl));

for (const widget of document.querySelectorAll("altcha-widget[data-strings]")) {
  const language = widget.getAttribute("language");
  try {
    const strings = JSON.parse(widget.dataset.strings);
    const base = globalThis.$altcha.i18n.get("en") || {};
    globalThis.$altcha.i18n.set(language, { ...base, ...strings });
  } catch (error) {
    // Keep the built-in English strings.
  }
}
