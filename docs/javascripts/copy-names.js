/* Each copy button says what it copies ("Copy never_exits.py", "Copy the output of never_exits.py"),
   so that a screen reader's list of buttons tells them apart: Material names every one
   "Copy to clipboard". Material adds the buttons as each page loads (document$). */
function nameCopyButtons() {
  for (const block of document.querySelectorAll(".md-typeset .highlight")) {
    const button = block.querySelector('button[data-md-type="copy"]');
    const title = block.querySelector(".filename");
    if (!button || !title) continue;
    const text = title.textContent.trim();
    const program = text.match(/([\w.]+\.py)$/) || text.match(/snippets\.\w+\.(\w+)$/);
    let name = program ? program[1].replace(/(\.py)?$/, ".py") : text;
    if (text.startsWith("python ")) name = `the output of ${name}`;
    if (text === "stderr") name = "the stderr output";
    button.setAttribute("aria-label", `Copy ${name}`);
    button.setAttribute("title", `Copy ${name}`);
  }
}
if (typeof document$ !== "undefined") {
  document$.subscribe(nameCopyButtons);
} else {
  document.addEventListener("DOMContentLoaded", nameCopyButtons);
}
