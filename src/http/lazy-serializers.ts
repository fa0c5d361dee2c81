// Response serializers compiled on first use. Fastify's default compiles a
// fast-json-stringify function for every (route, status) response schema
// while the server starts: ~200 ms of start-up for authlink's routes, most of
// which a given process never serves (docs/benchmarks.md, "Start-up"). This
// factory hands Fastify the same compiler, deferred: the first reply with a
// schema compiles it (a millisecond or two), later replies reuse it.
// test/unit/lazy-serializers.test.ts compiles every route's schemas, so a
// schema that does not compile still fails the suite rather than a request.
import { type Serializer, type SerializerFactory, SerializerSelector } from '@fastify/fast-json-stringify-compiler';

export interface LazySerializers {
  /** For Fastify's `schemaController.compilersFactory.buildSerializer`. */
  buildSerializer: SerializerFactory;
  /** Compiles every serializer not compiled yet (tests); returns how many it compiled. */
  compileAll(): number;
}

export function lazySerializers(): LazySerializers {
  const build = SerializerSelector();
  const pending = new Set<() => void>();
  return {
    buildSerializer(externalSchemas, serializerOpts) {
      const compile = build(externalSchemas, serializerOpts);
      return (route) => {
        let serialize: Serializer | undefined;
        const ensure = () => {
          serialize ??= compile(route);
          pending.delete(ensure);
          return serialize;
        };
        pending.add(ensure);
        return (data) => (serialize ?? ensure())(data);
      };
    },
    compileAll() {
      const all = [...pending];
      for (const ensure of all) ensure();
      return all.length;
    },
  };
}
