#!/usr/bin/env node
'use strict';
require('../../dist/driver/main.js').main(process.argv);
