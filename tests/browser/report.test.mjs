// The training pictures in a real browser (Debian's chromium, headless):
//   node report.test.mjs BACKPROP FIXTURES_DIR OUT_DIR
// A small run with --metrics-log and --report, `backprop plot` of its log, and
// `evaluate --report FILE.html`. The SVG must be valid XML (Python's parser and the browser's),
// hold the expected series, and plot the CSV's values; the reports must hold the CLI's numbers
// (evaluate --report json), load without console errors or requests, and not be blank.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { check, close, launch, openPage, assertNotBlank, finish } from "./harness.mjs";

const [bp, fx, out] = process.argv.slice(2);
const run = args => execFileSync(bp, args, { encoding: "utf8" });
const log = join(out, "run-log.csv"), svg = join(out, "curves.svg"), model = join(out, "run.bpm");
const runHtml = join(out, "run.html"), evalHtml = join(out, "eval.html");
run(["train", "--train", join(fx, "blobs.csv"), "--config", join(fx, "blobs-config.json"), "--validation-split", "0.2",
     "--test", join(fx, "blobs.csv"), "--verbose", "0", "--metrics-log", log, "--output", model, "--report", runHtml]);
run(["plot", log, "-o", svg]);
run(["evaluate", "--model", model, "--test", join(fx, "blobs.csv"), "--report", evalHtml]);
const E = JSON.parse(run(["evaluate", "--model", model, "--test", join(fx, "blobs.csv"), "--report", "json"]));

// The CSV, column by column (an empty field is a value not measured).
const lines = readFileSync(log, "utf8").trim().split("\n");
const header = lines[0].split(",");
const csv = Object.fromEntries(header.map((h, c) => [h, lines.slice(1).map(l => l.split(",")[c]).map(v => (v === "" ? null : Number(v)))]));

// Valid XML for an independent parser.
let xmlOk = true;
try {
  execFileSync("python3", ["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", svg]);
} catch {
  xmlOk = false;
}
check(xmlOk, "curves.svg is well-formed XML (Python's xml.dom.minidom)");

const browser = await launch(out);
try {
  // The SVG on its own: the browser parses it as an SVG document.
  const { page: sp, problems: sprob } = await openPage(browser, svg, 800, 1100);
  check(await sp.evaluate(() => document.documentElement.nodeName === "svg" && !document.querySelector("parsererror")),
        "the browser reads curves.svg as an SVG document");
  const series = await sp.evaluate(() => [...document.querySelectorAll("g.chart")].flatMap(c => {
    const a = k => Number(c.getAttribute("data-" + k));
    return [...c.querySelectorAll("g.series")].map(g => {
      const p = g.querySelector("path");
      return { chart: c.getAttribute("data-chart"), name: g.getAttribute("data-series"), d: p.getAttribute("d"),
               x: p.getAttribute("data-x").split(","), y: p.getAttribute("data-y").split(","),
               box: { x0: a("x-min"), x1: a("x-max"), y0: a("y-min"), y1: a("y-max"), L: a("left"), R: a("right"), T: a("top"), B: a("bottom") } };
    });
  }));
  const want = [["loss", "train (loss)"], ["loss", "validation (val_loss)"], ["accuracy", "train (accuracy)"],
                ["accuracy", "validation (val_accuracy)"], ["lr", "used (lr)"], ["seconds", "wall clock (seconds)"]];
  check(JSON.stringify(series.map(s => [s.chart, s.name])) === JSON.stringify(want),
        "the SVG has the series " + want.map(w => w[1]).join(", ") + "; got " + series.map(s => s.name).join(", "));
  for (const s of series) {
    const col = s.name.match(/\((.*)\)$/)[1];
    const ys = s.y.map(v => (v === "" ? null : Number(v)));
    check(JSON.stringify(ys) === JSON.stringify(csv[col]), `${s.name}: data-y equals the CSV column ${col}`);
    check(JSON.stringify(s.x.map(Number)) === JSON.stringify(csv.epoch), `${s.name}: data-x equals the epochs`);
    // Where each point is drawn, mapped back through the chart's scale: the CSV value within 0.01 px.
    const pts = [...s.d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map(m => [Number(m[1]), Number(m[2])]);
    const b = s.box, given = csv[col].map((v, i) => [csv.epoch[i], v]).filter(p => p[1] !== null);
    check(pts.length === given.length, `${s.name}: ${pts.length} points drawn for ${given.length} values`);
    const pxPerY = (b.B - b.T) / (b.y1 - b.y0), pxPerX = (b.R - b.L) / (b.x1 - b.x0);
    const worst = Math.max(...pts.map(([px, py], i) => Math.max(
      Math.abs(px - (b.L + (given[i][0] - b.x0) * pxPerX)), Math.abs(py - (b.B - (given[i][1] - b.y0) * pxPerY)))));
    check(worst <= 0.01, `${s.name}: every point is drawn at its CSV value (worst ${worst.toFixed(4)} px)`);
  }
  const axes = await sp.evaluate(() => [...document.querySelectorAll("g.chart")].map(c => [...c.querySelectorAll("text.label")].map(t => t.textContent)));
  check(axes.every(a => a.length === 2 && a[0] === "epoch"), "every chart labels its axes (x: epoch)");
  check(axes.some(a => a[1] === "seconds per epoch (s)"), "the time chart gives its unit");
  await sp.screenshot({ path: join(out, "curves.png") });
  await assertNotBlank(browser, join(out, "curves.png"), "the SVG's screenshot");
  check(sprob.length === 0, "the SVG loads without errors or requests" + (sprob.length ? ": " + sprob.join("; ") : ""));

  // The training report.
  for (const [file, what, hasHistory] of [[runHtml, "training report", true], [evalHtml, "evaluation report", false]]) {
    const { page, problems } = await openPage(browser, file, 1280, 800);
    const metric = async name => page.$$eval("#test-metrics tr", (rows, name) => {
      const r = rows.find(x => x.querySelector("th").textContent === name);
      return r ? Number(r.querySelector("td").getAttribute("data-value")) : null;
    }, name);
    const acc = await metric("accuracy");
    check(acc === E.accuracy, `${what}: test accuracy ${acc} equals evaluate's ${E.accuracy}`);
    const conf = await page.$$eval("#confusion tr", rows => rows.slice(1).map(r => [...r.querySelectorAll("td")].map(td => Number(td.textContent))));
    check(JSON.stringify(conf) === JSON.stringify(E.confusion), `${what}: the confusion matrix equals evaluate's`);
    const names = await page.$$eval("#confusion tr:first-child th.col", ths => ths.map(t => t.textContent));
    check(JSON.stringify(names) === JSON.stringify(E.classes.map(c => c.name)), `${what}: class names ${names}`);
    const per = await page.$$eval("#per-class tr", rows => rows.slice(1).map(r => [...r.querySelectorAll("td")].slice(0, 3).map(td => Number(td.getAttribute("data-value")))));
    check(JSON.stringify(per) === JSON.stringify(E.classes.map(c => [c.precision, c.recall, c.f1])), `${what}: per-class precision, recall, F1 equal evaluate's`);
    // 2 inputs into a dense layer of 8: 2*8 weights + 8 biases = 24 values.
    check(await page.$eval("#network", e => /Input shape: 2\n/.test(e.textContent) && /\(dense\)\s+8\s+24\n/.test(e.textContent)), `${what}: the network summary`);
    check(await page.$eval("#config", e => JSON.parse(e.textContent).epochs === 40), `${what}: the resolved configuration`);
    if (hasHistory) {
      const rows = await page.$$eval("#history tr", rs => rs.slice(1).map(r => [...r.querySelectorAll("td")].map(td => td.getAttribute("data-value"))));
      check(rows.length === csv.epoch.length, `${what}: one history row per epoch (${rows.length})`);
      // The log rounds to 6 digits (loss to 9); the report keeps the run's own values.
      const close6 = (a, b) => (b === null ? a === "" : Math.abs(Number(a) - b) <= 5e-6 * Math.max(1, Math.abs(b)) + 1e-6);
      check(rows.every((r, i) => header.every((h, c) => h === "seconds" || close6(r[c], csv[h][i]))),
            `${what}: the history table agrees with the metrics log`);
      check(await page.$$eval("svg g.series", gs => gs.length) === 6, `${what}: the six curves`);
    }
    for (const [w, h] of [[1280, 800], [390, 844]]) {
      await page.setViewport({ width: w, height: h });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 0, `${what} at ${w}x${h}: no wider than the screen (overflow ${overflow} px)`);
      const png = join(out, `${hasHistory ? "run" : "eval"}-${w}x${h}.png`);
      await page.screenshot({ path: png });
      await assertNotBlank(browser, png, `${what} at ${w}x${h}`);
    }
    check(problems.length === 0, `${what}: no console errors or requests` + (problems.length ? ": " + problems.join("; ") : ""));
  }
} finally {
  await close(browser);
}
finish();
