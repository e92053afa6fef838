// The report's tables and plotly.js travel packed (gzip + base64, see interactive.py): the
// browser unpacks each on first use, and draws a table or plot when its section is opened.
async function unpack(id) {
  const binary = atob(document.getElementById(id).textContent.trim());
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}
// A payload holds its columns one by one (see interactive.table_payload); the widgets want rows.
function asRows(payload) {
  const data = payload.data.map((values) => values);
  data.forEach((values, i) => {
    if (!Array.isArray(values)) data[i] = data[payload.columns.indexOf(values.copy)];
  });
  const count = data.length ? data[0].length : 0;
  const rows = Array.from({ length: count }, (_, r) => data.map((values) => values[r]));
  return { columns: payload.columns, rows };
}
const payloads = new Map();
function tableData(id) {
  if (!payloads.has(id)) payloads.set(id, unpack(id).then((text) => asRows(JSON.parse(text))));
  return payloads.get(id);
}
let plotlyLoaded = null;
function loadPlotly() {
  if (!plotlyLoaded) {
    plotlyLoaded = unpack("plotly-js").then((code) => {
      const script = document.createElement("script");
      script.textContent = code;
      document.head.append(script);
    });
  }
  return plotlyLoaded;
}
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Table widget: search, sort (click a header), page, download as TSV. No external libraries.
async function setupTable(holder) {
  const payload = await tableData(holder.dataset.source);
  const pageSize = 25;
  let rows = payload.rows, shown = rows, page = 0;
  let sortColumn = payload.columns.indexOf(holder.dataset.sorted || ""), ascending = true;
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

// Volcano and MA plots, drawn from the contrast's gene table (the numbers are embedded once).
async function drawDeFigure(div) {
  const [payload] = await Promise.all([tableData(div.dataset.source), loadPlotly()]);
  const column = Object.fromEntries(payload.columns.map((c, i) => [c, i]));
  const alpha = Number(div.dataset.alpha);
  const volcano = div.dataset.kind === "volcano";
  const counts = div.dataset.scale === "counts";
  const groups = [{ x: [], y: [], text: [] }, { x: [], y: [], text: [] }];
  for (const row of payload.rows) {
    const lfc = row[column.log2FC];
    const other = volcano ? row[column.pvalue] : row[column.baseMean];
    if (lfc === null || other === null) continue;
    const padj = row[column.padj];
    const group = groups[padj !== null && padj < alpha ? 1 : 0];
    if (volcano) {
      group.x.push(lfc);
      group.y.push(-Math.log10(Math.max(other, 1e-300)));
    } else {
      group.x.push(counts ? Math.log10(Math.max(other, 1e-3)) : other);
      group.y.push(lfc);
    }
    const gene = String(row[column.gene]);
    const symbol = row[column.symbol] === null ? gene : String(row[column.symbol]);
    const name = symbol === gene ? symbol : `${symbol} (${gene})`;
    const shownPadj = padj === null ? "–" : String(Number(padj.toPrecision(2)));
    group.text.push(`${escapeHtml(name)}<br>log2FC ${lfc.toFixed(2)}, padj ${shownPadj}`);
  }
  const traces = [[`padj ≥ ${alpha}`, "#AAAAAA"], [`padj < ${alpha}`, "#C44E52"]].map(([name, colour], i) => ({
    ...groups[i], type: "scattergl", mode: "markers", name, hoverinfo: "text", marker: { size: 4, color: colour },
  }));
  const axis = (text) => ({ title: { text } });
  const layout = {
    title: { text: escapeHtml(div.dataset.title) }, height: 420, margin: { t: 40 },
    xaxis: axis(volcano ? "log2 fold change" : (counts ? "log10 mean normalized count" : "mean log2 expression")),
    yaxis: axis(volcano ? "−log10 p-value" : "log2 fold change"),
  };
  await Plotly.newPlot(div, traces, layout, { responsive: true, displaylogo: false });
}

// Draw what is visible now; draw the rest when its section is opened.
function visible(element) {
  return element.closest("details:not([open])") === null;
}
function drawVisible() {
  const jobs = [];
  document.querySelectorAll("div.data-table:not([data-drawn]), div.plotly-figure:not([data-drawn])").forEach((element) => {
    if (!visible(element)) return;
    element.dataset.drawn = "pending";
    const job = element.classList.contains("data-table") ? setupTable(element) : drawDeFigure(element);
    jobs.push(job.then(() => { element.dataset.drawn = "yes"; }));
  });
  return Promise.all(jobs).catch((error) => {
    document.getElementById("unpack-error").hidden = false;
    throw error;
  });
}
function openTo(hash) {
  const target = hash && document.getElementById(decodeURIComponent(hash.slice(1)));
  for (let node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
}
document.querySelectorAll("details").forEach((d) => d.addEventListener("toggle", () => { if (d.open) drawVisible(); }));
document.getElementById("expand-all").addEventListener("click", () => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
document.getElementById("collapse-all").addEventListener("click", () => document.querySelectorAll("details").forEach((d) => { d.open = false; }));
window.addEventListener("hashchange", () => openTo(location.hash));
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#']");
  if (link) openTo(link.getAttribute("href"));
});
if (typeof DecompressionStream === "undefined") {
  document.getElementById("unpack-error").hidden = false;
} else {
  openTo(location.hash);
  drawVisible();
}
