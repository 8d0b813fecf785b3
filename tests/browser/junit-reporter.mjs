// A node:test reporter writing JUnit XML (Node 18's test runner has none built in):
//   node --test-reporter=./junit-reporter.mjs --test-reporter-destination=out.xml ...
// Only leaf tests become test cases; a suite's failure with no failing child (a failed
// before() hook) becomes one failing case named after the suite.

const escape = (text) =>
  String(text).replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);

function failureText(error) {
  const cause = error?.cause ?? error;
  return cause?.stack ?? cause?.message ?? String(cause);
}

export default async function* junitReporter(source) {
  const cases = [];
  const stdout = [];
  for await (const event of source) {
    if (event.type === "test:stdout" || event.type === "test:stderr") stdout.push(event.data.message);
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const data = event.data;
    const isSuite = data.details?.type === "suite";
    const failed = event.type === "test:fail";
    if (isSuite && !(failed && !cases.some((c) => c.failed))) continue;
    cases.push({
      name: data.name,
      seconds: (data.details?.duration_ms ?? 0) / 1000,
      failed,
      skipped: Boolean(data.skip || data.todo),
      message: failed ? failureText(data.details?.error) : "",
    });
  }
  const failures = cases.filter((c) => c.failed).length;
  const total = cases.reduce((sum, c) => sum + c.seconds, 0);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuite name="browser" tests="${cases.length}" failures="${failures}" time="${total.toFixed(3)}">\n`;
  for (const c of cases) {
    yield `  <testcase classname="browser" name="${escape(c.name)}" time="${c.seconds.toFixed(3)}">`;
    if (c.failed) yield `<failure message="${escape(c.message.split("\n")[0])}">${escape(c.message)}</failure>`;
    if (c.skipped) yield "<skipped/>";
    yield "</testcase>\n";
  }
  if (stdout.length) yield `  <system-out>${escape(stdout.join(""))}</system-out>\n`;
  yield "</testsuite>\n";
}
