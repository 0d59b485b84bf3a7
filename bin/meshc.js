#!/usr/bin/env node
'use strict';
// A synth with nothing to do is answered before the renderer is loaded (build/src/synth-shortcut.js).
const argv = process.argv.slice(2);
const io = { out: (line) => process.stdout.write(line + '\n'), err: (line) => process.stderr.write(line + '\n') };
const shortcut = require('../build/src/synth-shortcut.js').synthShortcut(argv, io);
if (shortcut !== undefined) {
  process.exitCode = shortcut;
} else {
  require('../build/src/cli.js')
    .run(argv)
    .then((code) => {
      process.exitCode = code;
    });
}
