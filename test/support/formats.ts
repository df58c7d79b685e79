// Reading the machine formats back as their consumers would: SARIF against the official 2.1.0
// JSON schema (shipped in an npm package), JUnit through an XML parser.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';

const require = createRequire(import.meta.url);

/** The OASIS SARIF 2.1.0 schema (draft-07) as @datadog/datadog-ci-plugin-sarif ships it. */
export const SARIF_SCHEMA_FILE = path.join(
  path.dirname(require.resolve('@datadog/datadog-ci-plugin-sarif/package.json')),
  'dist/json-schema/sarif-schema-2.1.0.json',
);

let validate: ValidateFunction | null = null;

/** Schema violations of a SARIF log, as `instancePath: message` lines; empty when it is valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (!validate) {
    const ajv = new Ajv({ allErrors: true });
    // ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
    const addFormats = (formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ?? formatsPlugin;
    (addFormats as unknown as (ajv: Ajv) => void)(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')));
  }
  if (validate(log)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message} ${JSON.stringify(error.params)}`);
}

export interface JunitCase {
  name: string;
  classname: string;
  file?: string;
  failure?: { message: string; type: string; text: string };
  skipped?: { message: string };
  error?: { message: string; text: string };
}

export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  properties: Record<string, string>;
  cases: JunitCase[];
}

export interface JunitReport {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  suites: JunitSuite[];
}

type XmlNode = Record<string, unknown>;
const list = (value: unknown): XmlNode[] => (value === undefined ? [] : Array.isArray(value) ? (value as XmlNode[]) : [value as XmlNode]);
const attr = (node: XmlNode, name: string): string | undefined => (node[`@_${name}`] === undefined ? undefined : String(node[`@_${name}`]));
const count = (node: XmlNode, name: string): number => Number(attr(node, name));

/** Parses JUnit XML strictly (it must be well-formed) into suites and cases. */
export function parseJunit(xml: string): JunitReport {
  // htmlEntities: numeric character references (&#10;) decode, as in any conforming XML parser.
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false, parseTagValue: false, trimValues: false, htmlEntities: true });
  const document = parser.parse(xml, true) as XmlNode;
  const root = document.testsuites as XmlNode;
  if (!root) throw new Error('no <testsuites> root');
  const text = (node: XmlNode) => String(node['#text'] ?? '');
  return {
    name: attr(root, 'name') ?? '',
    tests: count(root, 'tests'),
    failures: count(root, 'failures'),
    errors: count(root, 'errors'),
    skipped: count(root, 'skipped'),
    suites: list(root.testsuite).map((suite) => ({
      name: attr(suite, 'name') ?? '',
      tests: count(suite, 'tests'),
      failures: count(suite, 'failures'),
      errors: count(suite, 'errors'),
      skipped: count(suite, 'skipped'),
      properties: Object.fromEntries(list((suite.properties as XmlNode | undefined)?.property).map((p) => [attr(p, 'name'), attr(p, 'value')])),
      cases: list(suite.testcase).map((node) => {
        const parsed: JunitCase = { name: attr(node, 'name') ?? '', classname: attr(node, 'classname') ?? '' };
        if (attr(node, 'file') !== undefined) parsed.file = attr(node, 'file');
        const [failure] = list(node.failure);
        if (failure) parsed.failure = { message: attr(failure, 'message') ?? '', type: attr(failure, 'type') ?? '', text: text(failure) };
        const [skipped] = list(node.skipped);
        if (skipped) parsed.skipped = { message: attr(skipped, 'message') ?? '' };
        const [error] = list(node.error);
        if (error) parsed.error = { message: attr(error, 'message') ?? '', text: text(error) };
        return parsed;
      }),
    })),
  };
}
