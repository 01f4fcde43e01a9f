#!/usr/bin/env node
// Statements that drop a promise (a call whose result is a Promise, neither awaited, returned,
// assigned nor marked `void`): with stores that answer promises (src/store/host.ts), such a call
// would run out of order or lose its error. Prints `file:line: text` for each; exit 1 when any.
// Used by test/build/floating-promises.test.ts; run it alone with `node scripts/floating-promises.mjs`.
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(import.meta.url)('typescript');
const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const dirs = process.argv[2] ? process.argv.slice(2) : ['src', 'handlers'];
const files = config.fileNames.filter((f) => dirs.some((d) => f.startsWith(join(root, d, '/'))));
const program = ts.createProgram(files, config.options);
const checker = program.getTypeChecker();

/** `x.catch(…)`, `x.then(ok, failed)`, or either followed by `.finally(…)`: the rejection is handled. */
function handled(e) {
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return false;
  const name = e.expression.name.text;
  if (name === 'catch' || (name === 'then' && e.arguments.length === 2)) return true;
  return name === 'finally' && handled(e.expression.expression);
}

function isPromise(type) {
  if (type.isUnion()) return type.types.some(isPromise);
  const sym = type.getSymbol() ?? type.aliasSymbol;
  return sym?.getName() === 'Promise';
}

const found = [];
for (const sf of program.getSourceFiles()) {
  if (!files.includes(sf.fileName)) continue;
  const visit = (node) => {
    if (ts.isExpressionStatement(node)) {
      let e = node.expression;
      while (ts.isParenthesizedExpression(e)) e = e.expression;
      const call =
        ts.isCallExpression(e) ||
        (ts.isBinaryExpression(e) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind));
      if (call && !handled(e) && isPromise(checker.getTypeAtLocation(e))) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${relative(root, sf.fileName)}:${line + 1}: ${node.getText().split('\n')[0].slice(0, 140)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const f of found) console.log(f);
process.exit(found.length ? 1 : 0);
