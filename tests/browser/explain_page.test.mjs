// Drives Debian's chromium headless (puppeteer-core, DevTools protocol, no browser download) over
// the page `backprop explain --format html` writes for the seed, and checks it against the CLI:
//   node explain_page.test.mjs BACKPROP OUT_DIR
// The expected numbers come from `backprop explain --format json` and the text format; the page's
// number formatting is checked against Python's '%.*g' (an independent implementation of C's %g).
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, close, launch, openPage, assertNotBlank, finish } from "./harness.mjs";

const [bp, out] = process.argv.slice(2);
const run = args => execFileSync(bp, args, { encoding: "utf8" });
const page_file = join(out, "seed.html");
run(["explain", "--format", "html", "--steps", "10000", "-o", page_file]);
const J = JSON.parse(run(["explain", "--format", "json", "--steps", "10000"]));
const text = run(["explain"]);

// The page is one self-contained file of at most 300 KB.
const html = readFileSync(page_file, "utf8");
check(statSync(page_file).size <= 300000, `page size ${statSync(page_file).size} <= 300000 bytes`);
for (const bad of [/<script[^>]+src=/i, /<link/i, /<img[^>]+src="?http/i, /url\(/i, /@import/i, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/])
  check(!bad.test(html), `page has no external reference matching ${bad}`);

// The text `explain` prints for one quantity: "  lhs = ..." and its continuation lines.
function textBlock(lhs, src = text) {
  const lines = src.split("\n");
  const k = lines.findIndex(l => l.startsWith("  " + lhs + " = "));
  if (k < 0) throw new Error(`no '${lhs}' in the text output`);
  const block = [lines[k]];
  for (let i = k + 1; i < lines.length && /^ += /.test(lines[i]); i++) block.push(lines[i]);
  return block.join(" ").replace(/\s+/g, " ").trim();
}
const plain = s => s.replace(/\u2202/g, "d").replace(/\u00d7/g, "*").replace(/\s+/g, " ").trim();
const gradient = name => J.gradients.find(g => g.name === name);
const updated = name => J.updated.find(u => u.name === name);

const browser = await launch(out);
try {
  const { page, problems } = await openPage(browser, page_file, 1280, 800);
  const value = async q => {
    const v = await page.$eval(`[data-q="${q}"]`, e => e.getAttribute("data-value"));
    return Number(v);
  };
  const same = async (q, want, what) => {
    const got = await value(q);
    check(got === want, `${what}: page ${got} === CLI json ${want}`);
  };

  // Step 0: the numbers of the JSON derivation.
  await same("E_total", J.error.value, "E_total");
  await same("E_step", J.training.E_before, "E before training");
  await same("grad:w5", gradient("w5").value, "dE_total/dw5");
  await same("new:w5", updated("w5").new, "new w5");
  for (const g of J.gradients) await same("grad:" + g.name, g.value, "dE_total/d" + g.name);
  for (const layer of J.forward)
    for (const n of layer.neurons) {
      await same(n.net.name, n.net.value, n.net.name);
      await same(n.activation.name, n.activation.value, n.activation.name);
    }
  for (const layer of J.backward)
    for (const n of layer.neurons) await same(n.dE_dz.name, n.dE_dz.value, n.dE_dz.name);

  // Clicks a weight's line on the screen, at the first point along it where no other line lies on top.
  const clickWeight = async name => {
    const pt = await page.$eval(`.edge[data-param="${name}"] path.hit`, (p, name) => {
      const m = p.getScreenCTM();
      for (let t = 0.1; t < 0.95; t += 0.05) {
        const q = p.getPointAtLength(p.getTotalLength() * t);
        const x = q.x * m.a + q.y * m.c + m.e, y = q.x * m.b + q.y * m.d + m.f;
        const hit = document.elementFromPoint(x, y);
        if (hit && hit.closest(".edge") && hit.closest(".edge").getAttribute("data-param") === name) return { x, y };
      }
      return null;
    }, name);
    check(pt !== null, `${name}'s line can be clicked`);
    if (pt) await page.mouse.click(pt.x, pt.y);
  };
  // Clicking w5 shows its chain-rule product exactly as the text prints it, and its update.
  await clickWeight("w5");
  const chain = plain(await page.$eval("#chain", e => e.textContent));
  check(chain === textBlock("dE_total/dw5"), `w5's chain rule on the page\n  ${chain}\nequals the text\n  ${textBlock("dE_total/dw5")}`);
  check(chain.includes("= 0.741365069552 * 0.186815601809 * 0.593269992107"), "w5's product holds the seed's numbers");
  const update = plain(await page.$eval("#update", e => e.textContent)).replace(/\u03b7/g, "eta");
  check(update === textBlock("w5_new"), `w5's update\n  ${update}\nequals the text\n  ${textBlock("w5_new")}`);
  // A hidden weight: its first factor is a sum over the next layer (the seed's eqs. 15-29).
  await clickWeight("w1");
  check(plain(await page.$eval("#chain", e => e.textContent)) === textBlock("dE_total/dw1"), "w1's chain rule equals the text");
  // Clicking a neuron shows its forward arithmetic.
  await page.click('.neuron[data-name="H1"]');
  check(plain(await page.$eval("#forward-net", e => e.textContent)) === textBlock("H1"), "H1's net input equals the text");
  check(plain(await page.$eval("#forward-out", e => e.textContent)) === textBlock("H1_final"), "H1_final equals the text");
  await page.click('.neuron[data-name="y2"]');
  check(plain(await page.$eval("#forward-out", e => e.textContent)) === textBlock("y2_final"), "y2_final equals the text");

  // Step forward once, then to update 10,000, then rewind.
  await page.click("#fwd");
  await same("E_step", J.training.E_after_first, "E after 1 update");
  check(Number(await page.$eval("#step-k", e => e.getAttribute("data-value"))) === 1, "the forward button goes to update 1");
  await page.keyboard.press("End");
  check(Number(await page.$eval("#step-k", e => e.getAttribute("data-value"))) === 10000, "End goes to update 10,000");
  await same("E_step", J.training.E_after_last, "E after 10,000 updates");
  await same("E_total", J.training.E_after_last, "E_total after 10,000 updates");
  await same("out:1:y1_final", J.training.outputs[0][0], "y1_final after 10,000 updates");
  await same("out:1:y2_final", J.training.outputs[0][1], "y2_final after 10,000 updates");
  await page.click("#rewind");
  check(Number(await page.$eval("#step-k", e => e.getAttribute("data-value"))) === 0, "rewind goes to update 0");
  await same("E_total", J.error.value, "E_total after rewinding");
  await same("w:w5", updated("w5").old, "w5 after rewinding");
  await same("grad:w5", gradient("w5").value, "dE_total/dw5 after rewinding");
  await same("new:w5", updated("w5").new, "new w5 after rewinding");

  // The page's %g against Python's, on awkward values and exact ties (2^-16 at 11 digits).
  const vals = [0.05, 0.1, -0.0380982365166, 3.51018778298e-05, 1e-4, 9.99999999999995e-5, 123456789012345680,
                1e21, 0.5, 2 ** -16, 2 ** -30, -(2 ** -20), 1 / 3, 2 / 3, 0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308];
  let seed = 12345;
  for (let k = 0; k < 300; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    vals.push((seed / 2147483648 - 0.5) * Math.pow(10, (seed % 41) - 20));
  }
  const cases = [];
  for (const v of vals) for (const p of [10, 11, 12, 15, 17]) cases.push([v, p]);
  const py = execFileSync("python3", ["-c", "import json,sys\nfor v,p in json.load(sys.stdin): print('%.*g' % (p, v))"],
                          { input: JSON.stringify(cases), encoding: "utf8" }).trim().split("\n");
  const js = await page.evaluate(cs => cs.map(([v, p]) => window.bpFmtG(v, p)), cases);
  const bad = cases.filter((_, k) => js[k] !== py[k]).map((c, k) => `${c} -> ${js[k]} (python ${py[k]})`);
  check(bad.length === 0, `the page formats ${cases.length} numbers as '%.*g' does` + (bad.length ? ": " + bad.slice(0, 5).join("; ") : ""));

  // Two sizes, readable: nothing wider than the screen, and a screenshot that is not blank.
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    await page.setViewport({ width: w, height: h });
    await page.click('tr[data-param="w5"]');
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `at ${w}x${h} the page is no wider than the screen (overflow ${overflow} px)`);
    const png = join(out, `explain-${w}x${h}.png`);
    await page.screenshot({ path: png });
    await assertNotBlank(browser, png, `screenshot ${w}x${h}`);
  }
  check(problems.length === 0, "no console errors and no network requests" + (problems.length ? ": " + problems.join("; ") : ""));
  // Any network explain narrates: XOR (four samples, trainable biases, systematic names).
  const xor = join(out, "xor.html"), xorNet = new URL("../../examples/xor-2-2-1.json", import.meta.url).pathname;
  run(["explain", xorNet, "--format", "html", "--steps", "20000", "-o", xor]);
  const XJ = JSON.parse(run(["explain", xorNet, "--format", "json", "--steps", "20000"]));
  const xorText = run(["explain", xorNet]);
  const { page: xp, problems: xprob } = await openPage(browser, xor, 1280, 800);
  await xp.click('tr[data-param="b1_2"]');
  const bias = plain(await xp.$eval("#chain", e => e.textContent));
  check(bias === textBlock("dE_total/db1_2", xorText), `XOR: b1_2's chain rule\n  ${bias}\nequals the text\n  ${textBlock("dE_total/db1_2", xorText)}`);
  await xp.click('.neuron[data-name="z2_1"]');
  check((await xp.$eval("#forward-net", e => e.textContent)).startsWith("z2_1 = a1_1 \u00d7 w2_1_1"), "XOR: z2_1's forward arithmetic");
  await xp.keyboard.press("End");
  const xv = async q => Number(await xp.$eval(`[data-q="${q}"]`, e => e.getAttribute("data-value")));
  check(await xv("E_step") === XJ.training.E_after_last, "XOR: mean E after 20,000 updates equals the JSON");
  check(await xv("out:4:a2_1") === XJ.training.outputs[3][0], "XOR: sample 4's output after 20,000 updates equals the JSON");
  check(xprob.length === 0, "XOR page: no console errors or requests" + (xprob.length ? ": " + xprob.join("; ") : ""));
  writeFileSync(join(out, "explain-page.ok"), "ok\n");
} finally {
  await close(browser);
}
finish();
