#!/usr/bin/env node
'use strict';
process.exitCode = require('../build/src/cli.js').main(process.argv.slice(2));
