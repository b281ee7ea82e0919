// The page of `kofasttext serve`: asks the JSON API (/api/v1/...) and draws what it answers.
// Plain browser JavaScript, no library and no build step. Text from the server is always set with
// textContent, never parsed as HTML.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = { models: [], index: null };

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgEl(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

async function api(path, params) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`/api/v1/${path}${query ? "?" + query : ""}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function selectedModels() {
  return [...document.querySelectorAll("#models input:checked")].map((box) => box.value);
}

function setStatus(text) {
  document.getElementById("status").textContent = text || "";
}

function badge(inVocabulary) {
  return inVocabulary ? el("span", { class: "badge known" }, "in vocabulary") : el("span", { class: "badge oov" }, "OOV");
}

// -- the neighbour list, the map and the subwords of one model ---------------------------------------
function neighbourList(neighbours) {
  const list = el("ol", { class: "neighbors" });
  for (const { word, similarity } of neighbours) {
    const item = el("li");
    const name = el("span", { class: "word", title: "show this word's neighbours" }, word);
    name.addEventListener("click", () => ask(word));
    item.append(name, el("span", { class: "score" }, similarity.toFixed(3)));
    const bar = el("div", { class: "bar" });
    bar.style.width = `${Math.max(0, similarity) * 90}px`;
    item.append(bar);
    list.append(item);
  }
  return list;
}

function drawMap(points) {
  const width = 400, height = 300, pad = 48;
  const svg = svgEl("svg", { class: "map", viewBox: `0 0 ${width} ${height}`, role: "img" });
  svg.append(svgEl("title"));
  svg.firstChild.textContent = "2-D map (PCA) of the query and its neighbours";
  // Neighbours first, so the query's point and label are drawn on top.
  const ordered = [...points.filter((p) => p.role === "neighbor"), ...points.filter((p) => p.role !== "neighbor")];
  for (const point of ordered) {
    const x = width / 2 + point.x * (width / 2 - pad);
    const y = height / 2 - point.y * (height / 2 - 24);
    svg.append(svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: point.role === "neighbor" ? 3.5 : 5, class: point.role }));
    const label = svgEl("text", { x: (x + 6).toFixed(1), y: (y + 4).toFixed(1), class: point.role });
    label.textContent = point.word;
    svg.append(label);
  }
  return svg;
}

function subwordChips(answer) {
  const box = el("div", { class: "subwords" });
  for (const piece of answer.subwords) {
    const kind = piece.kind === "word" ? "subword own" : piece.known ? "subword" : "subword unknown";
    const title = piece.kind === "word" ? "the word's own row" : piece.known ? "an n-gram the model has a row for" : "an n-gram no vocabulary word has: it adds nothing";
    box.append(el("span", { class: kind, title }, piece.display));
  }
  return box;
}

function panel(model) {
  const section = el("article", { class: "panel", "data-model": model });
  section.append(el("h2", {}, model));
  return section;
}

async function showWord(model, word, k) {
  const section = panel(model);
  try {
    const [found, pieces] = await Promise.all([api("neighbors", { word, k, model }), api("subwords", { word, model })]);
    const line = el("p", { class: "query-line" }, `${found.word} `);
    line.append(badge(found.in_vocabulary));
    section.append(line);
    if (!found.has_vector) section.append(el("p", { class: "error" }, "No vector: none of its subwords is known to this model."));
    section.append(el("h3", {}, `${found.neighbors.length} nearest words`), neighbourList(found.neighbors));
    if (found.map.length) section.append(el("h3", {}, "Map of the neighbourhood"), drawMap(found.map));
    const known = pieces.subwords.filter((p) => p.known).length;
    section.append(el("h3", {}, `Subwords (${pieces.scheme}): ${known} of ${pieces.subwords.length} known`), subwordChips(pieces));
  } catch (error) {
    section.append(el("p", { class: "error" }, error.message));
  }
  return section;
}

async function showExpression(model, expr, k) {
  const section = panel(model);
  try {
    const found = await api("arithmetic", { expr, k, model });
    const line = el("p", { class: "query-line" });
    for (const term of found.terms) {
      line.append(`${term.sign === "-" ? " − " : line.childNodes.length ? " + " : ""}${term.word} `);
      if (!term.in_vocabulary) line.append(badge(false));
    }
    section.append(line);
    section.append(el("h3", {}, `${found.neighbors.length} nearest words`), neighbourList(found.neighbors));
    if (found.map.length) section.append(el("h3", {}, "Map (= is the expression's value)"), drawMap(found.map));
  } catch (error) {
    section.append(el("p", { class: "error" }, error.message));
  }
  return section;
}

async function ask(text) {
  const input = document.getElementById("query");
  if (text !== undefined) input.value = text;
  const query = input.value.trim();
  const models = selectedModels();
  if (!query) return setStatus("Type a word, e.g. 몰랐겠지, or an expression, e.g. 한국 - 서울 + 도쿄.");
  if (!models.length) return setStatus("Tick at least one model.");
  setStatus("");
  const k = document.getElementById("k").value || "10";
  const isExpression = /[+\-]/.test(query);
  const panels = await Promise.all(models.map((m) => (isExpression ? showExpression(m, query, k) : showWord(m, query, k))));
  document.getElementById("results").replaceChildren(...panels);
}

// -- similarity and search ---------------------------------------------------------------------------
async function compare() {
  const a = document.getElementById("sim-a").value.trim();
  const b = document.getElementById("sim-b").value.trim();
  const list = document.getElementById("similarity-results");
  const items = await Promise.all(
    selectedModels().map(async (model) => {
      const item = el("li");
      try {
        const found = await api("similarity", { a, b, model });
        item.append(el("span", { class: "score" }, found.similarity.toFixed(3)), `${model}: ${found.a} · ${found.b} `);
        if (!found.a_in_vocabulary || !found.b_in_vocabulary) item.append(badge(false));
      } catch (error) {
        item.append(el("span", { class: "error" }, `${model}: ${error.message}`));
      }
      return item;
    }),
  );
  list.replaceChildren(...items);
}

async function search() {
  const q = document.getElementById("search-query").value.trim();
  const list = document.getElementById("search-results");
  try {
    const found = await api("search", { q, k: document.getElementById("k").value || "10" });
    const items = found.documents.map((hit) => {
      const item = el("li", { value: hit.document + 1 });
      item.append(el("span", { class: "score" }, hit.similarity.toFixed(3)), hit.text);
      return item;
    });
    list.replaceChildren(...(items.length ? items : [el("li", { class: "error" }, "No word of the query has a vector.")]));
  } catch (error) {
    list.replaceChildren(el("li", { class: "error" }, error.message));
  }
}

async function start() {
  try {
    const found = await api("models", {});
    state.models = found.models;
    state.index = found.index;
  } catch (error) {
    return setStatus(`The server did not answer: ${error.message}`);
  }
  const box = document.getElementById("models");
  state.models.forEach((model, position) => {
    const label = el("label", { title: `${model.words.toLocaleString()} words, dim ${model.dim}, ${model.subwords} subwords` });
    const tick = el("input", { type: "checkbox", value: model.name, name: "model" });
    tick.checked = position < 3;
    label.append(tick, ` ${model.name} (${model.subwords}, ${model.words.toLocaleString()} words)`);
    box.append(label);
  });
  if (state.index) {
    document.getElementById("search-form").hidden = false;
    document.getElementById("search-note").textContent =
      `${state.index.documents.toLocaleString()} documents, embedded with ${state.index.model}`;
  }
  document.getElementById("word-form").addEventListener("submit", (event) => { event.preventDefault(); ask(); });
  document.getElementById("similarity-form").addEventListener("submit", (event) => { event.preventDefault(); compare(); });
  document.getElementById("search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  document.body.dataset.ready = "true";  // for scripts (and the browser test) waiting on the page
}

document.addEventListener("DOMContentLoaded", start);
