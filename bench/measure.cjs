// Preloaded into the measured meshc process (`node --require`): on exit it reports the process's
// own CPU time and peak RSS to the file named by MESHC_BENCH_REPORT, which the benchmark reads.
'use strict';
const { writeFileSync } = require('node:fs');

const report = process.env.MESHC_BENCH_REPORT;
if (report) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(report, JSON.stringify({ userMicros: usage.userCPUTime, systemMicros: usage.systemCPUTime, maxRssKiB: usage.maxRSS }));
  });
}
