// Preloaded into a measured process: reports its peak resident set size when it exits.
process.on("exit", () => {
  const file = process.env.BENCH_RSS_FILE;
  if (file) require("node:fs").writeFileSync(file, String(process.resourceUsage().maxRSS));
});
