// /weight: add a measurement, the history, and the report from the weight-report function.

import { field, formatDateTime, h, messages, supabase, whileBusy } from "./core.js";

const HISTORY_ROWS = 100;

async function loadHistory() {
  const { data, error } = await supabase.from("weight_measurements").select("id, weight_kg, measured_at")
    .order("measured_at", { ascending: false }).order("id", { ascending: false }).limit(HISTORY_ROWS);
  if (error) throw error;
  return data || [];
}

function historyView(rows) {
  if (!rows.length) return h("p", {}, "No measurements yet.");
  return h("table", { class: "history" },
    h("caption", {}, "Weight history"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Date"), h("th", { scope: "col" }, "Weight (kg)"))),
    h("tbody", {}, rows.map((row) =>
      h("tr", { "data-id": row.id },
        h("td", {}, formatDateTime(row.measured_at)),
        h("td", {}, Number(row.weight_kg).toFixed(2))))));
}

function kg(value) {
  return value === null || value === undefined ? "—" : `${Number(value).toFixed(2)} kg`;
}

function reportView(report) {
  const latest = report.latest ? report.latest.value_kg : null;
  const change = report.change_kg === null || report.change_kg === undefined
    ? "—" : `${report.change_kg > 0 ? "+" : ""}${Number(report.change_kg).toFixed(2)} kg`;
  return h("dl", { class: "facts", "aria-label": "Weight report", "data-testid": "weight-report" },
    h("dt", {}, "Measurements"), h("dd", { "data-field": "count" }, String(report.count)),
    h("dt", {}, "Latest"), h("dd", { "data-field": "latest", "data-value": latest ?? "" }, kg(latest)),
    h("dt", {}, "Change"), h("dd", { "data-field": "change", "data-value": report.change_kg ?? "" }, change),
    h("dt", {}, "7-day average"), h("dd", { "data-field": "avg_7d" }, kg(report.avg_7d_kg)));
}

export async function render({ main, isCurrent }) {
  const msgs = messages();
  main.append(h("h1", {}, "Weight"));
  let rows = await loadHistory();
  if (!isCurrent()) return;

  const weight = h("input", { type: "number", name: "weight_kg", min: "1", max: "999.99", step: "0.01", required: true, inputmode: "decimal" });
  const form = h("form", { class: "card", "aria-labelledby": "add-heading" },
    h("h2", { id: "add-heading" }, "Add a measurement"),
    field("Weight (kg)", weight),
    h("button", { type: "submit" }, "Add measurement"));
  const historySlot = h("div", {}, historyView(rows));
  const reportButton = h("button", { type: "button" }, "Show report");
  const reportSlot = h("div", { class: "report" });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    msgs.busy("Saving…");
    try {
      await whileBusy(form, async () => {
        const { error } = await supabase.from("weight_measurements")
          .insert({ weight_kg: Number(weight.value) }).select("id").single();
        if (error) throw error;
        rows = await loadHistory();
        historySlot.replaceChildren(historyView(rows));
      });
    } catch (error) {
      await msgs.error(error);
      return;
    }
    form.reset();
    msgs.status("Measurement added");
  });

  reportButton.addEventListener("click", async () => {
    reportButton.disabled = true;
    msgs.busy("Preparing the report…");
    const { data, error } = await supabase.functions.invoke("weight-report", { body: {} });
    reportButton.disabled = false;
    if (error) {
      await msgs.error(error);
      return;
    }
    reportSlot.replaceChildren(reportView(data));
    msgs.status("Report ready");
  });

  main.append(
    form,
    ...msgs.nodes,
    h("section", { "aria-labelledby": "history-heading" }, h("h2", { id: "history-heading" }, "History"), historySlot),
    h("section", { "aria-labelledby": "report-heading" }, h("h2", { id: "report-heading" }, "Report"), reportButton, reportSlot),
  );
}
