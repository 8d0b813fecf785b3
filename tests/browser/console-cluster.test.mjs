// The console against a head with a real Kubernetes API server and the lakehouse stack
// deployed (tests/cluster/test_console_cluster.py starts it and passes FLOE_CONSOLE_URL,
// FLOE_CONSOLE_PASSWORD and FLOE_CONSOLE_NODES: the kwok nodes taking part in
// rebalancing). Real Chromium; the page is compared with the API's own answers.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "./floe-processes.mjs";

const OUTPUT = process.env.FLOE_BROWSER_OUTPUT || path.join(REPO_ROOT, "build/test-results/browser");
const CHROMIUM = process.env.FLOE_CHROMIUM || "/usr/bin/chromium";
const URL = process.env.FLOE_CONSOLE_URL;
const PASSWORD = process.env.FLOE_CONSOLE_PASSWORD;
const NODES = (process.env.FLOE_CONSOLE_NODES || "").split(",").filter(Boolean);

describe("the web console on a head with Kubernetes", () => {
  let browser;
  let page;
  const pageProblems = [];

  before(async () => {
    assert.ok(URL && PASSWORD && NODES.length, "FLOE_CONSOLE_URL, FLOE_CONSOLE_PASSWORD and FLOE_CONSOLE_NODES are required");
    fs.mkdirSync(OUTPUT, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 800 } });
    page = await context.newPage();
    page.on("pageerror", (error) => pageProblems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) pageProblems.push(`console error: ${message.text()}`);
    });
    await page.goto(URL);
    await page.getByLabel("User").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  });

  after(async () => {
    await browser?.close();
  });

  const screenshot = (name) => page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });

  test("the overview summarises the stack's component states", async () => {
    const health = page.getByTestId("stack-health");
    await health.getByText(/of \d+ components ready/).waitFor({ timeout: 20000 });
    await screenshot("cluster-overview");
  });

  test("the stack page lists every component with the state, version and endpoint the API reports", async () => {
    await page.getByRole("link", { name: "The stack's components and endpoints" }).click();
    await page.getByRole("heading", { name: "Components" }).waitFor();
    const stack = await page.evaluate(async () => (await fetch("/api/v1/stack")).json());
    assert.equal(stack.deployer, "running");
    assert.ok(stack.components.length >= 10, `only ${stack.components.length} components`);
    for (const c of stack.components) {
      const row = page.locator(`tr[data-component="${c.name}"]`);
      await row.waitFor();
      const text = await row.textContent();
      assert.ok(text.includes(c.version), `${c.name}: version ${c.version} not shown in ${text}`);
      if (c.endpoint) assert.ok(text.includes(c.endpoint), `${c.name}: endpoint ${c.endpoint} not shown`);
    }
    const byName = Object.fromEntries(stack.components.map((c) => [c.name, c]));
    assert.match(byName["spark-connect"].endpoint, /^sc:\/\//);
    assert.equal(await page.getByTestId("spark-connect-url").textContent(), byName["spark-connect"].endpoint);
    assert.equal(await page.getByTestId("catalog-url").textContent(), `${byName.polaris.endpoint}/api/catalog`);
    // The client settings are the API's (spark_defaults.h), naming the same catalog URL.
    const settings = await page.evaluate(async () => (await fetch("/api/v1/stack/spark-defaults")).json());
    const shownConf = await page.getByTestId("spark-defaults").textContent();
    assert.equal(shownConf.trim(), settings.conf.trim());
    assert.ok(shownConf.includes(`${byName.polaris.endpoint}/api/catalog`), "the settings name another catalog");
    await screenshot("cluster-stack");
  });

  test("a dry run shows the plan with per-node utilisation before and predicted", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rebalancing", exact: true }).click();
    await page.getByRole("button", { name: "Show the plan (dry run)" }).click();
    const plan = page.getByTestId("plan");
    await plan.waitFor({ timeout: 60000 });
    assert.equal(await plan.getByTestId("outcome").textContent(), "dry_run");
    await plan.getByText("As a table").click();
    for (const node of NODES) await plan.locator(`tr[data-node="${node}"]`).waitFor();
    // The busy node holds every pod before; the plan moves some of them off it.
    const busy = await plan.locator(`tr[data-node="${NODES[0]}"] td`).allTextContents();
    assert.ok(parseInt(busy[0]) > parseInt(busy[1]), `CPU on ${NODES[0]} does not fall: ${busy}`);
    assert.ok((await plan.locator("table.evictions tbody tr").count()) > 0, "the plan evicts nothing");
    // Recorded in the history, nothing evicted.
    await page.locator("table.history tbody tr").filter({ hasText: "dry run" }).first().waitFor();
    await screenshot("cluster-rebalance-plan");
  });

  test("running a round asks first, then follows it until it finishes", async () => {
    const rounds = () => page.locator("table.history tbody tr").count();
    const before = await rounds();
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.getByRole("button", { name: "Run a round now" }).click();
    await page.waitForTimeout(2500); // a poll later, still no new round
    assert.equal(await rounds(), before, "dismissing the confirmation started a round");

    page.once("dialog", (dialog) => dialog.accept());
    const started = page.waitForResponse((r) => r.url().endsWith("/api/v1/rebalance") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Run a round now" }).click();
    const answer = await started;
    assert.equal(answer.status(), 202);
    const { id } = await answer.json();
    const shown = page.getByTestId("shown-report");
    await shown.getByRole("heading", { name: `Round #${id}` }).waitFor();
    await page.waitForFunction(
      () => {
        const outcome = document.querySelector('[data-testid="shown-report"] [data-testid="outcome"]');
        return outcome && outcome.textContent !== "running";
      },
      null,
      { timeout: 180000 },
    );
    const outcome = await shown.getByTestId("outcome").textContent();
    assert.ok(["balanced", "improved"].includes(outcome), `outcome ${outcome}`);
    await shown.getByText("As a table").click();
    const busy = await shown.locator(`tr[data-node="${NODES[0]}"] td`).allTextContents();
    assert.ok(parseInt(busy[0]) > parseInt(busy[1]), `CPU on ${NODES[0]} did not fall: ${busy}`);
    assert.ok((await shown.locator("table.evictions tbody tr").filter({ hasText: "evicted" }).count()) > 0);
    await page.locator(`table.history tbody tr[data-report="${id}"]`).filter({ hasText: outcome }).waitFor();
    await screenshot("cluster-rebalance-round");
  });

  test("no page raised a script error or a Content-Security-Policy violation", () => {
    assert.deepEqual(pageProblems, []);
  });
});
