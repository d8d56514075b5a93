// What the browser tests share: launching Debian's chromium headless with a fresh profile and no
// network, opening a local page while recording console errors and every request, and checking
// that a screenshot is not blank.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

let failures = 0, passes = 0;
export function check(ok, what) {
  if (ok) {
    passes++;
  } else {
    failures++;
    console.error("FAIL: " + what);
  }
}
export function finish() {
  console.log(`${passes} checks passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export async function launch(out) {
  const profile = mkdtempSync(join(out, "chromium-profile-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--hide-scrollbars", `--user-data-dir=${profile}`],
  });
  browser.bpProfile = profile;
  return browser;
}

export async function close(browser) {
  await browser.close();
  try {
    rmSync(browser.bpProfile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch {
    // a leftover profile under the test's output directory is harmless
  }
}

// Opens a file; `problems` collects console errors, uncaught exceptions and any request other
// than the page itself (each such request is also refused).
export async function openPage(browser, file, width, height) {
  const page = await browser.newPage();
  const problems = [];
  const url = pathToFileURL(file).href;
  await page.setViewport({ width, height });
  await page.setRequestInterception(true);
  page.on("request", r => {
    if (r.url() === url) return r.continue();
    problems.push("request " + r.url());
    return r.abort();
  });
  page.on("console", m => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  page.on("pageerror", e => problems.push("page error: " + e.message));
  await page.goto(url, { waitUntil: "load" });
  return { page, problems };
}

// A screenshot is "not blank" when it has many colours and a fair share of non-background pixels.
export async function assertNotBlank(browser, png, what) {
  const data = "data:image/png;base64," + readFileSync(png).toString("base64");
  const page = await browser.newPage();
  const stats = await page.evaluate(async src => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let ink = 0;
    for (let k = 0; k < px.length; k += 4) {
      colours.add((px[k] << 16) | (px[k + 1] << 8) | px[k + 2]);
      if (px[k] + px[k + 1] + px[k + 2] < 600) ink++;
    }
    return { w: c.width, h: c.height, colours: colours.size, ink: ink / (px.length / 4) };
  }, data);
  await page.close();
  check(stats.colours > 50 && stats.ink > 0.02,
        `${what} is not blank (${stats.w}x${stats.h}, ${stats.colours} colours, ${(100 * stats.ink).toFixed(1)}% ink)`);
  return stats;
}
