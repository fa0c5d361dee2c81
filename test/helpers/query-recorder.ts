// A real Kysely plugin that records what a Kysely instance sends (the queries
// still run): tests count statements with it, never replace them.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** Records every query a Kysely instance sends. */
export class QueryRecorder implements KyselyPlugin {
  nodes: RootOperationNode[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push(args.node);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
  /** How many of the recorded queries are a count(*). */
  counts(): number {
    return this.nodes.filter((n) => /"kind":"AggregateFunctionNode","func":"count"/.test(JSON.stringify(n))).length;
  }
  /** How many statements of this kind (e.g. InsertQueryNode) were sent. */
  ofKind(kind: string): number {
    return this.nodes.filter((n) => n.kind === kind).length;
  }
  reset(): void {
    this.nodes = [];
  }
}
