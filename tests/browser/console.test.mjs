// The browser tier: Playwright (playwright-core) drives Debian's Chromium, headless,
// against a real `floe serve`; real `floe-agent` processes join with the command the
// console shows. Each page is screenshotted into $FLOE_BROWSER_OUTPUT
// (default build/test-results/browser). The tests run in order and share one head.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { AgentMachine, Head, REPO_ROOT, binary, waitFor } from "./floe-processes.mjs";

const OUTPUT = process.env.FLOE_BROWSER_OUTPUT || path.join(REPO_ROOT, "build/test-results/browser");
const CHROMIUM = process.env.FLOE_CHROMIUM || "/usr/bin/chromium";
const LAPTOP = { width: 1366, height: 800 };
const LIVE_TIMEOUT_MS = 20000;

describe("the web console", () => {
  let workDir;
  let head;
  let password;
  let browser;
  let context;
  let page;
  let agent;
  let joinCommand;
  const pageProblems = [];

  const screenshot = async (name) => {
    await page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
  };

  // Clicks a nav link: navigation inside the single-page app, no reload.
  const openFromNav = async (title) => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: title, exact: true }).click();
  };

  const login = async (user, secret) => {
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/v1/console/login"));
    await page.getByLabel("User").fill(user);
    await page.getByLabel("Password", { exact: true }).fill(secret);
    await page.getByRole("button", { name: "Log in" }).click();
    return (await answered).status();
  };

  const nodeRow = (name) => page.locator(`tr[data-node-name="${name}"]`);

  // Every form control has a label a screen reader announces, and every button a name.
  const assertAccessibleControls = async (where) => {
    const unlabelled = await page.evaluate(() => {
      const missing = [];
      for (const el of document.querySelectorAll("input, select, textarea")) {
        if (el.labels.length === 0 && !el.getAttribute("aria-label")) missing.push(el.outerHTML.slice(0, 80));
      }
      for (const el of document.querySelectorAll("button, a[href]")) {
        if (!(el.getAttribute("aria-label") || el.textContent.trim())) missing.push(el.outerHTML.slice(0, 80));
      }
      if (!document.documentElement.lang) missing.push("<html> without lang");
      return missing;
    });
    assert.deepEqual(unlabelled, [], `${where}: controls without an accessible name`);
  };

  before(async () => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "floe-browser-"));
    head = new Head(binary("FLOE_BIN", "build/dev/appliance/floe"), workDir);
    password = head.init();
    // A short heartbeat interval, so a stopped agent is lost after ~3 s.
    await head.start("--heartbeat-interval", "1s");
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root cannot use Chromium's sandbox; the page is our own console on loopback.
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
    // The head's certificate is signed by the cluster CA `floe init` just created,
    // which this throwaway browser profile does not trust.
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: LAPTOP });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: head.url });
    page = await context.newPage();
    page.on("pageerror", (error) => pageProblems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) {
        pageProblems.push(`console error: ${message.text()}`);
      }
    });
  });

  after(async () => {
    await agent?.stop();
    await browser?.close();
    await head?.stop();
    if (process.exitCode && head) console.log(`floe serve log:\n${head.log()}`);
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("the console is served with its security headers", async () => {
    const response = await page.goto(head.url + "/");
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.match(headers["content-type"], /^text\/html/);
    assert.equal(headers["cache-control"], "no-cache");
    assert.match(headers["content-security-policy"], /script-src 'self'/);
    assert.match(headers["content-security-policy"], /frame-ancestors 'none'/);
    assert.equal(headers["x-content-type-options"], "nosniff");
    const api404 = await page.request.get(head.url + "/api/v1/no-such-thing");
    assert.equal(api404.status(), 404);
    assert.equal((await api404.json()).error.code, "not_found");
  });

  test("a wrong password is refused", async () => {
    await page.getByRole("heading", { name: "floe console" }).waitFor();
    await screenshot("login");
    await assertAccessibleControls("login");
    assert.equal(await login("admin", "not-the-password"), 401);
    await page.getByRole("alert").filter({ hasText: "Wrong user name or password" }).waitFor();
  });

  test("logging in shows the overview", async () => {
    assert.equal(await login("admin", password), 200);
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    const cookies = await context.cookies(head.url);
    const session = cookies.find((c) => c.name === "floe_session");
    assert.ok(session, "no session cookie");
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
    await page.getByText("Capacity of the 0 ready nodes").waitFor();
    await screenshot("overview-empty");
  });

  test("a state-changing call without the CSRF token is rejected", async () => {
    const attempt = await page.evaluate(async () => {
      const post = (headers) =>
        fetch("/api/v1/tokens", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: "{}" });
      const missing = await post({});
      const wrong = await post({ "X-CSRF-Token": "0".repeat(64) });
      const tokens = await (await fetch("/api/v1/tokens")).json();
      return { missing: missing.status, code: (await missing.json()).error.code, wrong: wrong.status, tokens: tokens.tokens.length };
    });
    assert.deepEqual(attempt, { missing: 403, code: "csrf_failed", wrong: 403, tokens: 0 });
  });

  test("creating a token shows the exact join command and where to get the agent", async () => {
    // What an operator does to offer the agent package: copy it into <data-dir>/downloads.
    const packageName = "floe-agent_0.1.0-1_amd64.deb";
    const packageBytes = Buffer.from("a stand-in for the floe-agent package: only its name and hash are shown");
    fs.writeFileSync(path.join(head.dataDir, "downloads", packageName), packageBytes);
    const packageSha256 = createHash("sha256").update(packageBytes).digest("hex");
    await openFromNav("Add node");
    await page.getByRole("heading", { name: "Add a node" }).waitFor();
    await page.getByLabel("Lifetime").fill("1h");
    await page.getByLabel("Uses").fill("3");
    await page.getByLabel("Labels").fill("rack=r7");
    await page.getByLabel("Nodes wait for my approval before they get work").check();
    await page.getByRole("button", { name: "Create token" }).click();
    const command = page.getByTestId("join-command");
    await command.waitFor();
    joinCommand = (await command.textContent()).trim();
    assert.match(joinCommand, /^sudo floe-agent join https:\/\/127\.0\.0\.1:\d+ --token FLOE1-[0-9a-f]{64}-[A-Za-z0-9]{6}\.\S+$/);
    assert.ok(joinCommand.includes(head.url), `${joinCommand} does not name ${head.url}`);
    await page.getByRole("button", { name: "Copy the join command" }).click();
    await page.getByText("Copied").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), joinCommand);
    const instructions = await page.getByTestId("download-instructions").textContent();
    assert.ok(instructions.includes(`curl -fsS --cacert floe-ca.crt -O ${head.url}/downloads/${packageName}`), instructions);
    assert.ok(instructions.includes(`sha256 of ${packageName}: ${packageSha256}`), instructions);
    const caPin = joinCommand.match(/FLOE1-([0-9a-f]{64})-/)[1];
    assert.ok(instructions.includes(`= ${caPin} &&`), "the download is not pinned to the token's CA hash");
    await page.getByRole("link", { name: packageName }).waitFor();
    // The new token is listed at once, ready to be revoked.
    const tokenId = joinCommand.match(/-([A-Za-z0-9]{6})\./)[1];
    await page.getByRole("button", { name: `Revoke token ${tokenId}` }).waitFor();
    await screenshot("add-node");
    await assertAccessibleControls("add node");
  });

  test("a node joining with that command appears without a reload", async () => {
    await openFromNav("Nodes");
    await page.getByRole("heading", { name: "Nodes", level: 1 }).waitFor();
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    agent = new AgentMachine(binary("FLOE_AGENT_BIN", "build/dev/agent/floe-agent"), workDir, "two-socket-server", "rack7-worker1");
    agent.join(joinCommand);
    agent.start();
    const row = nodeRow("rack7-worker1");
    await row.waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page reloaded");
    await row.getByText("pending").waitFor();
    // The hardware columns come from the fixture's captured /proc and /sys.
    await row.getByText(/\d+ cores \/ \d+ threads/).waitFor({ timeout: LIVE_TIMEOUT_MS });
  });

  test("approving a pending node makes it ready", async () => {
    const row = nodeRow("rack7-worker1");
    await row.getByRole("button", { name: "Approve rack7-worker1" }).click();
    await row.getByText("ready", { exact: true }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await screenshot("nodes");
    await assertAccessibleControls("nodes");
    const events = head.cli("--json", "events", "--kind", "node.approved");
    assert.equal(events.status, 0, events.stderr);
    assert.equal(JSON.parse(events.stdout).events.length, 1);
  });

  test("the node page shows the inventory and preflight results", async () => {
    await nodeRow("rack7-worker1").getByRole("link", { name: "rack7-worker1" }).click();
    await page.getByRole("heading", { name: "Preflight checks" }).waitFor();
    await page.getByRole("heading", { name: "Hardware inventory" }).waitFor();
    await page.getByRole("heading", { name: "Disks" }).waitFor();
    assert.ok((await page.locator("table").nth(1).locator("tbody tr").count()) > 0, "no disks listed");
    await page.getByText("rack=r7").waitFor();
    await screenshot("node-detail");
    await assertAccessibleControls("node detail");
  });

  test("the overview counts the node's hardware", async () => {
    await openFromNav("Overview");
    await page.getByText("Capacity of the 1 ready node").waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await page.getByTestId("count-ready").textContent(), "1");
    await page.locator(".u-over").waitFor(); // the chart is drawn
    await screenshot("overview");
  });

  // The browser tier's head runs without k3s (--no-k3s): both pages must say why they are
  // empty. tests/cluster/test_console_cluster.py runs console-cluster.test.mjs against a
  // head with a real Kubernetes API server and the stack deployed.
  test("without k3s the stack page and the overview say there is no stack", async () => {
    await page.getByRole("heading", { name: "Lakehouse stack", level: 2 }).waitFor();
    assert.match(await page.getByTestId("stack-health").textContent(), /without Kubernetes/);
    await screenshot("overview-no-k3s");
    await page.getByRole("link", { name: "The stack's components and endpoints" }).click();
    await page.getByRole("heading", { name: "Lakehouse stack", level: 1 }).waitFor();
    const absent = await page.getByTestId("stack-absent").textContent();
    assert.match(absent, /without Kubernetes \(floe init --no-k3s\)/);
    assert.equal(await page.locator("table").count(), 0, "an empty components table is shown");
    await page.getByText("floe spark-defaults").first().waitFor();
    await assertAccessibleControls("stack");
    await screenshot("stack-no-k3s");
  });

  test("without k3s the rebalancing page says it needs the cluster and offers no run button", async () => {
    await openFromNav("Rebalancing");
    await page.getByRole("heading", { name: "Rebalancing", level: 1 }).waitFor();
    assert.match(await page.getByTestId("rebalance-absent").textContent(), /Rebalancing needs the Kubernetes cluster/);
    assert.equal(await page.getByRole("button", { name: /Run a round/ }).count(), 0);
    await assertAccessibleControls("rebalancing");
    await screenshot("rebalance-no-k3s");
  });

  test("a stopped agent shows as lost", async () => {
    await openFromNav("Nodes");
    const row = nodeRow("rack7-worker1");
    await row.getByText("ready", { exact: true }).waitFor();
    await agent.stop();
    await row.getByText("lost", { exact: true }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await screenshot("nodes-lost");
  });

  test("removing a node asks first and takes it off the list", async () => {
    const row = nodeRow("rack7-worker1");
    page.once("dialog", (dialog) => dialog.dismiss());
    await row.getByRole("button", { name: "Remove rack7-worker1" }).click();
    await page.waitForTimeout(500);
    assert.equal(await row.count(), 1, "dismissing the question must keep the node");
    page.once("dialog", (dialog) => {
      assert.match(dialog.message(), /must join again/);
      void dialog.accept();
    });
    await row.getByRole("button", { name: "Remove rack7-worker1" }).click();
    await row.waitFor({ state: "detached", timeout: LIVE_TIMEOUT_MS });
    const listed = head.cli("--json", "nodes", "list");
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).nodes, []);
  });

  test("the audit log filters by kind", async () => {
    await openFromNav("Events");
    await page.getByRole("heading", { name: "Events", level: 1 }).waitFor();
    await page.getByRole("cell", { name: "node.lost" }).first().waitFor({ timeout: LIVE_TIMEOUT_MS });
    await page.getByLabel("Kind").fill("node.approved");
    await page.getByLabel("Kind").press("Enter");
    await page.getByLabel("Kind").blur();
    await waitFor("only node.approved events", async () => {
      const kinds = await page.locator("table.events tbody td:nth-child(2)").allTextContents();
      return kinds.length === 1 && kinds[0] === "node.approved";
    });
    await page.getByLabel("Kind").fill("");
    await page.getByLabel("Kind").blur();
    await page.getByLabel("Contains").fill("console login");
    await page.getByRole("cell", { name: "console.login", exact: true }).first().waitFor();
    await page.getByLabel("Contains").fill("");
    await screenshot("events");
    await assertAccessibleControls("events");
  });

  test("keyboard users can skip to the content and reach every page from the navigation", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "Events", level: 1 }).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "content");
    await page.keyboard.press("Shift+Tab"); // back into the header, which precedes the content
    const reached = new Set();
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press("Shift+Tab");
      reached.add(await focused());
    }
    for (const title of ["Overview", "Nodes", "Add node", "Stack", "Rebalancing", "Events"]) assert.ok(reached.has(title), `${title} not reachable: ${[...reached]}`);
    // Enter on a focused navigation link opens its page without the mouse.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Nodes", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Nodes", level: 1 }).waitFor();
  });

  test("changing the password keeps this session and the new one logs in", async () => {
    await page.getByRole("link", { name: "admin" }).click();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    await screenshot("account");
    await assertAccessibleControls("account");
    const newPassword = "a brand new passphrase";
    await page.getByLabel("Current password").fill(password);
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("New password again").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed.").waitFor();
    password = newPassword;
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "floe console" }).waitFor();
    const afterLogout = await page.request.get(head.url + "/api/v1/nodes");
    assert.equal(afterLogout.status(), 401);
    assert.equal(await login("admin", password), 200);
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "floe console" }).waitFor();
  });

  test("after 10 failed logins the account is locked, even for the right password", async () => {
    // One failure was recorded before the password change; the window is per account.
    let status = 0;
    let failures = 1;
    while (failures < 10) {
      status = await login("admin", `wrong-${failures}`);
      assert.equal(status, 401, `attempt ${failures + 1}`);
      failures++;
    }
    assert.equal(await login("admin", password), 429);
    await page.getByRole("alert").filter({ hasText: "Too many failed logins" }).waitFor();
    await screenshot("login-locked");
  });

  test("no page raised a script error or a Content-Security-Policy violation", () => {
    assert.deepEqual(pageProblems, []);
  });
});
