import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '@ticketing/contracts';

/** One real answer, as a client saw it. */
export interface SeenAnswer {
  method: string;
  /** The path as requested (no query). */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Checks real answers against a service's OpenAPI document: the path and method must be in it, the
 * status listed for that operation, and a JSON body valid against the listed schema (JSON Schema
 * 2020-12, as OpenAPI 3.1 uses). Keeps the operations seen, so a test can demand that all were.
 */
export function contractChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document as object, 'api');
  const templates = Object.keys(document.paths ?? {}).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const seen = new Set<string>();

  return {
    check(answer: SeenAnswer): void {
      const match = templates.find(({ pattern }) => pattern.test(answer.path));
      if (!match) throw new Error(`${answer.method} ${answer.path} is not in the spec`);
      const method = answer.method.toLowerCase();
      const operation = (document.paths?.[match.template] as Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }> | undefined)?.[method];
      if (!operation) throw new Error(`${answer.method} ${match.template} is not in the spec`);
      const response = operation.responses?.[String(answer.status)];
      if (!response) throw new Error(`${answer.method} ${match.template} answered ${answer.status}, which the spec does not list`);
      seen.add(`${method} ${match.template}`);
      const mediaType = answer.contentType.replace(/;.*$/, '').trim();
      if (!response.content) {
        if (answer.body !== undefined && answer.body !== '') throw new Error(`${answer.method} ${match.template} ${answer.status} has a body the spec does not describe`);
        return;
      }
      if (!(mediaType in response.content)) throw new Error(`${answer.method} ${match.template} ${answer.status} answered ${mediaType}, the spec says ${Object.keys(response.content).join(', ')}`);
      if (mediaType !== 'application/json') return;
      const ref = `api#/${pointer('paths', match.template, method, 'responses', String(answer.status), 'content', 'application/json', 'schema')}`;
      const validate = ajv.getSchema(ref);
      if (!validate) throw new Error(`no schema at ${ref}`);
      if (!validate(answer.body)) {
        throw new Error(`${answer.method} ${answer.path} ${answer.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer.body)}`);
      }
    },
    /** The spec's operations no checked answer has used yet. */
    unseen(): string[] {
      return Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
        Object.keys(item ?? {})
          .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map((method) => `${method} ${template}`)
          .filter((operation) => !seen.has(operation)),
      );
    },
  };
}
