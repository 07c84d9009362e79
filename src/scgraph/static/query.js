// The query page: run the editor's query against /sparql and show the answer. No dependencies.
"use strict";

(function () {
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const picker = document.getElementById("example");
  const description = document.getElementById("example-description");
  const statusLine = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const results = document.getElementById("results");
  const permalink = document.getElementById("permalink");
  const downloads = document.getElementById("downloads");
  const examples = JSON.parse(document.getElementById("examples-data").textContent);
  const baseIri = form.dataset.baseIri;

  function localHref(iri) {
    // IRIs of this dataset have pages here; others link to where they point.
    return iri.startsWith(baseIri) ? "/" + iri.slice(baseIri.length) : iri;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function termCell(term) {
    const cell = element("td");
    if (!term) return cell;
    if (term.type === "uri") {
      const link = element("a", term.value);
      link.href = localHref(term.value);
      cell.appendChild(link);
    } else if (term.type === "bnode") {
      cell.textContent = "_:" + term.value;
    } else if (term.type === "triple") {
      cell.textContent = JSON.stringify(term.value);
    } else {
      cell.appendChild(document.createTextNode(term.value));
      if (term["xml:lang"]) cell.appendChild(element("span", "@" + term["xml:lang"], "lang"));
      else if (term.datatype && !term.datatype.endsWith("#string")) {
        cell.appendChild(element("span", "^^" + term.datatype.replace(/^.*[#/]/, ""), "datatype"));
      }
    }
    return cell;
  }

  function showSolutions(data) {
    if (typeof data.boolean === "boolean") {
      results.appendChild(element("p", data.boolean ? "yes" : "no", "answer"));
      statusLine.textContent = "ASK: " + (data.boolean ? "true" : "false");
      return;
    }
    const vars = data.head.vars;
    const rows = data.results.bindings;
    const table = element("table");
    table.id = "result-table";
    const head = table.createTHead().insertRow();
    for (const name of vars) head.appendChild(element("th", name));
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const name of vars) tr.appendChild(termCell(row[name]));
    }
    results.appendChild(table);
    statusLine.textContent = rows.length + (rows.length === 1 ? " row" : " rows");
  }

  function showGraph(text) {
    const pre = element("pre", text);
    pre.id = "result-graph";
    results.appendChild(pre);
    statusLine.textContent = "Graph result (Turtle)";
  }

  function updateLinks(query) {
    const encoded = encodeURIComponent(query);
    permalink.href = "/query?query=" + encoded;
    permalink.hidden = false;
    for (const format of ["csv", "json", "turtle"]) {
      document.getElementById("download-" + format).href =
        "/sparql?query=" + encoded + "&format=" + format;
    }
    downloads.hidden = false;
    history.replaceState(null, "", permalink.href);
  }

  async function run() {
    const query = editor.value;
    results.replaceChildren();
    errorBox.hidden = true;
    statusLine.textContent = "Running…";
    updateLinks(query);
    const started = performance.now();
    let response;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: query }),
      });
    } catch (error) {
      statusLine.textContent = "";
      errorBox.textContent = "The server could not be reached: " + error;
      errorBox.hidden = false;
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      statusLine.textContent = "";
      errorBox.textContent = await response.text();
      errorBox.hidden = false;
      return;
    }
    if (type.startsWith("application/sparql-results+json")) showSolutions(await response.json());
    else showGraph(await response.text());
    statusLine.textContent += " · " + Math.round(performance.now() - started) + " ms";
  }

  function choose(index) {
    const example = examples[index];
    if (!example) return;
    editor.value = example.text;
    description.textContent = example.description;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  if (picker) picker.addEventListener("change", function () { choose(Number(picker.value)); });
  if (form.dataset.autorun === "true") run();
})();
