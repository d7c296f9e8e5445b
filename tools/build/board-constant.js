// `__BOARD__` as a compile-time constant: a TypeScript transformer that replaces `__BOARD__.a.b`
// with the literal value from the board definition, so the minifier can fold it and only the
// fields a program reads end up in the bundle.
import ts from "typescript";

const NAME = "__BOARD__";

/**
 * Returns a TypeScript `before` transformer factory that inlines fields of `board`. A path the board
 * does not have is passed to `onProblem({ file, line, message })` (the caller fails the build).
 */
export function boardConstantTransformer(board, onProblem) {
  return (context) => (sourceFile) => {
    const visit = (node) => {
      const chain = accessChain(node);
      if (chain) {
        const replaced = inline(chain, node, sourceFile, board, onProblem);
        if (replaced) return replaced;
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit);
  };
}

// `__BOARD__.a["b"].c` → ["a", "b", "c"]; anything else → null.
function accessChain(node) {
  const path = [];
  let n = node;
  while (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
    if (ts.isPropertyAccessExpression(n)) path.unshift(n.name.text);
    else if (ts.isStringLiteral(n.argumentExpression) || ts.isNumericLiteral(n.argumentExpression)) path.unshift(n.argumentExpression.text);
    else return null;
    n = n.expression;
  }
  return ts.isIdentifier(n) && n.text === NAME ? path : null;
}

// The literal for the longest prefix of `path` that names a board field, or undefined when only a
// shorter chain inside `node` can be replaced (a method such as `.indexOf` of an array field).
function inline(path, node, sourceFile, board, onProblem) {
  let value = board;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const isData = value !== null && typeof value === "object" && !Array.isArray(value);
    if (Object.hasOwn(Object(value), key)) {
      value = value[key];
    } else if (isData) {
      const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
      const message = `${NAME}.${path.slice(0, i + 1).join(".")}: board "${board.id}" has no such field`;
      onProblem({ file: sourceFile.fileName, line: line + 1, message });
      return ts.setTextRange(ts.factory.createIdentifier("undefined"), node);
    } else {
      return undefined; // e.g. __BOARD__.pins.digital.indexOf: the inner access is replaced instead
    }
  }
  return ts.setTextRange(literal(value), node);
}

function literal(value) {
  const f = ts.factory;
  if (value === null) return f.createNull();
  if (typeof value === "boolean") return value ? f.createTrue() : f.createFalse();
  if (typeof value === "string") return f.createStringLiteral(value);
  if (typeof value === "number") {
    return value < 0 ? f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(-value)) : f.createNumericLiteral(value);
  }
  if (Array.isArray(value)) return f.createArrayLiteralExpression(value.map(literal));
  const props = Object.entries(value).map(([k, v]) =>
    f.createPropertyAssignment(/^[A-Za-z_$][\w$]*$/.test(k) ? f.createIdentifier(k) : f.createStringLiteral(k), literal(v)));
  return f.createParenthesizedExpression(f.createObjectLiteralExpression(props));
}
