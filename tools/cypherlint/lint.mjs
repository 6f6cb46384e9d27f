#!/usr/bin/env node
// Offline Cypher linter: checks query files against Neo4j 5's own parser and
// semantic analysis, via @neo4j-cypher/language-support (pinned in package.json).
//
//   node tools/cypherlint/lint.mjs FILE...
//
// A file holds one statement, or several sections each starting with a line
// `// name: <statement-name>`; every section is linted on its own. Text before the
// first header is linted too, unless it is only comments and blank lines.
//
// Output: one JSON object per line on stdout for each diagnostic of severity error
// or warning: {"file", "line", "column", "severity", "message"}, where line and
// column are 1-based and relative to the file, severity is "error" or "warning".
// Diagnostics saying a parameter is not defined are ignored (values are always
// passed as $parameters). Exit code: 0 clean, 1 any diagnostic, 2 usage/internal error.
//
// Functions and procedures: when the schema has no `functions`, the package reports
// no unknown function at all (even `foo(1)`), so we pass the Neo4j 5 built-ins. The
// package ships a recorded Neo4j schema (`testData.mockSchema`) that includes APOC and
// GDS; we keep only the functions flagged isBuiltIn and the procedures outside
// apoc.* / gds.*, so plugin calls are reported as not present.

import { readFileSync } from 'node:fs';
import { isNotParamError, lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const VERSION = 'CYPHER 5';
const HEADER = /^[ \t]*\/\/[ \t]*name:[ \t]*(\S.*?)[ \t]*$/;
const REQUIRED_FUNCTIONS = [
  'toInteger', 'coalesce', 'count', 'sum', 'collect', 'size', 'keys', 'labels',
  'type', 'timestamp', 'min', 'max', 'avg', 'head', 'nodes', 'relationships',
  'length', 'range', 'toString', 'toFloat',
];

function builtinSchema() {
  const mock = testData?.mockSchema;
  const allFunctions = mock?.functions?.[VERSION];
  const allProcedures = mock?.procedures?.[VERSION];
  if (!allFunctions || !allProcedures) {
    throw new Error(
      `@neo4j-cypher/language-support no longer ships testData.mockSchema ${VERSION} ` +
        'functions/procedures; update tools/cypherlint/lint.mjs',
    );
  }
  const functions = Object.fromEntries(
    Object.entries(allFunctions).filter(([, fn]) => fn.isBuiltIn),
  );
  const procedures = Object.fromEntries(
    Object.entries(allProcedures).filter(([name]) => !/^(apoc|gds)\./.test(name)),
  );
  const missing = REQUIRED_FUNCTIONS.filter((name) => !functions[name]);
  if (missing.length > 0) {
    throw new Error(`built-in function list lacks: ${missing.join(', ')}`);
  }
  return {
    defaultLanguage: VERSION,
    functions: { [VERSION]: functions },
    procedures: { [VERSION]: procedures },
  };
}

/** True when text holds nothing but whitespace and Cypher comments. */
function onlyComments(text) {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) return false; // unterminated: let the parser report it
      i = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

/** Split a file into sections: [{name, startLine (0-based), text}]. */
function splitSections(text) {
  const lines = text.split('\n');
  const sections = [];
  let current = { name: null, startLine: 0, lines: [] };
  lines.forEach((line, index) => {
    const match = HEADER.exec(line.replace(/\r$/, ''));
    if (match) {
      sections.push(current);
      current = { name: match[1], startLine: index, lines: [] };
    }
    current.lines.push(line);
  });
  sections.push(current);
  return sections
    .map((s) => ({ name: s.name, startLine: s.startLine, text: s.lines.join('\n') }))
    .filter((s, index) => {
      // The preamble before the first header is skipped when it has no statement;
      // a file without any header is always linted (an empty file is an error).
      if (index === 0 && s.name === null && sections.length > 1) {
        return !onlyComments(s.text);
      }
      return true;
    });
}

const SEVERITY = { 1: 'error', 2: 'warning' };

function lintFile(file, schema) {
  let text = readFileSync(file, 'utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const results = [];
  if (text.trim() === '') {
    // The package returns no diagnostic for whitespace-only text; an empty query
    // file is still a mistake, so report it as the parser does for a comment-only one.
    const message = 'Expected any of CYPHER, EXPLAIN, PROFILE or a statement';
    return [{ file, line: 1, column: 1, severity: 'error', message }];
  }
  for (const section of splitSections(text)) {
    const { diagnostics } = lintCypherQuery(section.text, schema, {
      consoleCommandsEnabled: false,
    });
    const seen = new Set();
    for (const d of diagnostics) {
      const severity = SEVERITY[d.severity];
      if (!severity || !isNotParamError(d)) continue;
      const line = Math.max(d.range.start.line, 0);
      const column = Math.max(d.range.start.character, 0);
      const result = {
        file,
        line: section.startLine + line + 1,
        column: column + 1,
        severity,
        message: d.message,
      };
      const key = JSON.stringify(result);
      if (seen.has(key)) continue;
      seen.add(key);
      results.push(result);
    }
  }
  return results;
}

function main(argv) {
  const files = argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: node tools/cypherlint/lint.mjs FILE...\n');
    return 2;
  }
  const schema = builtinSchema();
  let found = 0;
  let failed = false;
  for (const file of files) {
    let results;
    try {
      results = lintFile(file, schema);
    } catch (error) {
      process.stderr.write(`cypherlint: ${file}: ${error.message}\n`);
      failed = true;
      continue;
    }
    for (const r of results) process.stdout.write(JSON.stringify(r) + '\n');
    found += results.length;
  }
  if (failed) return 2;
  return found > 0 ? 1 : 0;
}

process.exitCode = main(process.argv);
