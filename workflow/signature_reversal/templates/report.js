// Table widget: search, sort (click a header), page, download as TSV. No external libraries.
function setupTable(holder) {
  const payload = JSON.parse(document.getElementById(holder.dataset.source).textContent);
  const pageSize = 25;
  let rows = payload.rows, shown = rows, sortColumn = -1, ascending = true, page = 0;
  const search = document.createElement("input");
  search.placeholder = "search…";
  search.className = "table-search";
  const download = document.createElement("button");
  download.textContent = "download TSV";
  const info = document.createElement("span");
  info.className = "small";
  const previous = document.createElement("button");
  previous.textContent = "◀";
  const next = document.createElement("button");
  next.textContent = "▶";
  const table = document.createElement("table");
  table.className = "table";
  const controls = document.createElement("div");
  controls.append(search, " ", previous, next, " ", info, " ", download);
  holder.append(controls, table);
  const cell = (value) => (value === null ? "–" : (typeof value === "number" ? String(Number(value.toPrecision(4))) : String(value)));
  function render() {
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.min(page, pages - 1);
    const head = "<tr>" + payload.columns.map((c, i) => `<th data-i="${i}">${escapeHtml(c)}${i === sortColumn ? (ascending ? " ▲" : " ▼") : ""}</th>`).join("") + "</tr>";
    const body = shown.slice(page * pageSize, (page + 1) * pageSize)
      .map((r) => "<tr>" + r.map((v) => {
        const text = escapeHtml(cell(v));  // long cells are cut by CSS; the full text is on hover
        return text.length > 40 ? `<td title="${text}">${text}</td>` : `<td>${text}</td>`;
      }).join("") + "</tr>").join("");
    table.innerHTML = head + body;
    info.textContent = `${shown.length} rows, page ${page + 1} of ${pages}`;
    table.querySelectorAll("th").forEach((th) => th.addEventListener("click", () => sortBy(Number(th.dataset.i))));
  }
  function sortBy(i) {
    ascending = sortColumn === i ? !ascending : true;
    sortColumn = i;
    const sign = ascending ? 1 : -1;
    shown = [...shown].sort((a, b) => {
      if (a[i] === null) return 1;
      if (b[i] === null) return -1;
      return (typeof a[i] === "number" ? a[i] - b[i] : String(a[i]).localeCompare(String(b[i]))) * sign;
    });
    render();
  }
  search.addEventListener("input", () => {
    const query = search.value.toLowerCase();
    shown = rows.filter((r) => r.some((v) => v !== null && String(v).toLowerCase().includes(query)));
    page = 0;
    render();
  });
  previous.addEventListener("click", () => { page = Math.max(0, page - 1); render(); });
  next.addEventListener("click", () => { page += 1; render(); });
  download.addEventListener("click", () => {
    const text = [payload.columns, ...shown].map((r) => r.map((v) => (v === null ? "" : v)).join("\t")).join("\n");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/tab-separated-values" }));
    link.download = holder.dataset.filename || "table.tsv";
    link.click();
  });
  render();
}
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
document.querySelectorAll("div.data-table").forEach(setupTable);
document.querySelectorAll("div.plotly-figure").forEach((div) => {
  const figure = JSON.parse(document.getElementById(div.dataset.source).textContent);
  Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displaylogo: false });
});
