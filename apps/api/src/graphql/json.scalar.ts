import { GraphQLError, GraphQLScalarType, Kind, type ObjectValueNode, type ValueNode } from 'graphql';

type Variables = Readonly<Record<string, unknown>> | null | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function objectOrFail(value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw new GraphQLError('JSONObject must be a JSON object');
  return value;
}

function literal(node: ValueNode, variables: Variables): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => literal(v, variables));
    case Kind.OBJECT:
      return objectLiteral(node, variables);
    case Kind.VARIABLE:
      return variables?.[node.name.value];
  }
}

function objectLiteral(node: ObjectValueNode, variables: Variables): Record<string, unknown> {
  // A null prototype keeps an inline "__proto__" key an ordinary key, as JSON.parse does.
  const out = Object.create(null) as Record<string, unknown>;
  for (const field of node.fields) out[field.name.value] = literal(field.value, variables);
  return { ...out };
}

/** Free-form JSON objects (dialects, JWKs): their shape is checked by the zod schemas, not by GraphQL. */
export const JSONObjectScalar = new GraphQLScalarType({
  name: 'JSONObject',
  description: 'A JSON object',
  serialize: objectOrFail,
  parseValue: objectOrFail,
  parseLiteral: (node, variables) => {
    if (node.kind !== Kind.OBJECT) throw new GraphQLError('JSONObject must be a JSON object');
    return objectLiteral(node, variables);
  },
});
