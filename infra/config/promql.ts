import type { EditorState as EditorStateType } from "@codemirror/state";

/**
 * PromQL checks for query overrides, with Prometheus's own grammar and type checker (the
 * @prometheus-io packages of the Prometheus release the stack deploys: tests/versions/grammar.test.ts).
 * They are loaded only when a stack has overrides, so that a render without any pays nothing for them.
 */
interface Checker {
  create(doc: string): EditorStateType;
  problems(state: EditorStateType, accept?: readonly ResultType[]): string[];
}

/** The result types a query may have: an instant vector, or also a scalar. */
type ResultType = "vector" | "scalar";

let checker: Checker | undefined;

function load(): Checker {
  if (checker) return checker;
  // Loaded on demand (see above); the type imports keep them checked.
  const { EditorState } = require("@codemirror/state") as typeof import("@codemirror/state");
  const { ensureSyntaxTree, syntaxTree } =
    require("@codemirror/language") as typeof import("@codemirror/language");
  const { PromQLExtension } =
    require("@prometheus-io/codemirror-promql") as typeof import("@prometheus-io/codemirror-promql");
  const { Parser } =
    require("@prometheus-io/codemirror-promql/dist/cjs/parser/parser") as typeof import("@prometheus-io/codemirror-promql/dist/cjs/parser/parser");
  const extension = new PromQLExtension().asExtension();
  checker = {
    create: (doc) => EditorState.create({ doc, extensions: extension }),
    problems(initial, accept = ["vector", "scalar"]) {
      // A state parses only ~20 ms' worth when created (less on a busy machine); finish the parse,
      // then let one empty transaction hand the whole tree to the state the type checker reads.
      if (!ensureSyntaxTree(initial, initial.doc.length, 5000)) return ["the query is too large to parse"];
      const state = initial.update({}).state;
      const tree = syntaxTree(state);
      if (tree.length < state.doc.length) return ["the query is too large to parse"];
      const problems: string[] = [];
      // Syntax errors anywhere, also the trailing ones the type checker leaves out.
      tree.iterate({
        enter: (n) => {
          if (n.type.isError && problems.length === 0)
            problems.push(
              n.from >= state.doc.length
                ? "syntax error: the query ends too early"
                : `syntax error at character ${n.from + 1}: "${state.sliceDoc(n.from, n.from + 20)}"`,
            );
        },
      });
      if (problems.length > 0) return problems;
      const parser = new Parser(state);
      parser.analyze();
      for (const d of parser.getDiagnostics()) problems.push(d.message);
      if (problems.length === 0) {
        const type = parser.checkAST(tree.topNode.firstChild);
        if (!(accept as readonly string[]).includes(type))
          problems.push(
            `expected ${accept.length === 1 ? "an instant vector" : "an instant vector or scalar"} result, got ${type}`,
          );
      }
      return problems;
    },
  };
  return checker;
}

/**
 * Problems of one PromQL expression (empty when Prometheus would accept it); `accept` narrows the
 * result types it may have (a record that alerts compare needs an instant vector).
 */
export function promqlProblems(expr: string, accept?: readonly ResultType[]): string[] {
  const c = load();
  return c.problems(c.create(expr), accept);
}

/**
 * The vector selectors of `expr` that contain `job` (in a matcher's value or the metric name), each
 * with whether it also has an `=` or `=~` matcher whose value is exactly `namespace`. Only called
 * on expressions `promqlProblems` accepted.
 */
export function selectorsOf(
  expr: string,
  job: string,
  namespace: string,
): { selector: string; namespaced: boolean }[] {
  const { parser } = require("@prometheus-io/lezer-promql") as typeof import("@prometheus-io/lezer-promql");
  const out: { selector: string; namespaced: boolean }[] = [];
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.name !== "VectorSelector") return;
      const selector = expr.slice(ref.from, ref.to);
      if (!selector.includes(job)) return;
      const list = ref.node.getChild("LabelMatchers");
      const matchers = [
        ...(list?.getChildren("UnquotedLabelMatcher") ?? []),
        ...(list?.getChildren("QuotedLabelMatcher") ?? []),
      ];
      const namespaced = matchers.some((m) => {
        const op = m.getChild("MatchOp");
        const value = m.getChild("StringLiteral");
        return (
          op !== null &&
          value !== null &&
          ["=", "=~"].includes(expr.slice(op.from, op.to)) &&
          expr.slice(value.from + 1, value.to - 1) === namespace
        );
      });
      out.push({ selector, namespaced });
    },
  });
  return out;
}

/** One vector selector of a query: its metric name ("" without one) and its label matchers. */
export interface SelectorOf {
  selector: string;
  name: string;
  matchers: { name: string; op: string; value: string }[];
}

/** Every vector selector of `expr`. Only called on expressions `promqlProblems` accepted. */
export function vectorSelectorsOf(expr: string): SelectorOf[] {
  const { parser } = require("@prometheus-io/lezer-promql") as typeof import("@prometheus-io/lezer-promql");
  const out: SelectorOf[] = [];
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.name !== "VectorSelector") return;
      const id = ref.node.getChild("Identifier");
      const list = ref.node.getChild("LabelMatchers");
      const matchers = [
        ...(list?.getChildren("UnquotedLabelMatcher") ?? []),
        ...(list?.getChildren("QuotedLabelMatcher") ?? []),
      ].flatMap((m) => {
        const label = m.getChild("LabelName") ?? m.getChild("QuotedLabelName");
        const op = m.getChild("MatchOp");
        const value = m.getChild("StringLiteral");
        if (!label || !op || !value) return [];
        return [
          {
            name: expr.slice(label.from, label.to).replace(/^["'`]|["'`]$/g, ""),
            op: expr.slice(op.from, op.to),
            value: expr.slice(value.from + 1, value.to - 1),
          },
        ];
      });
      out.push({
        selector: expr.slice(ref.from, ref.to),
        name: id ? expr.slice(id.from, id.to) : "",
        matchers,
      });
    },
  });
  return out;
}
