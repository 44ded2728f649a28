// A real multi-file C program with many functions of known call counts, written and built on
// the spot: file k (of `files`) defines `perFile` functions file<k>_fn<j>, one of them static;
// after "ready" and a line on stdin, function i is called calls(i) times. With `build: false`
// only its description (a read-only file system, e.g. the kernel VM's, built by the host).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const callsOf = (index) => (index % 7) + 1;

export function buildManyFunctions(dir, { files = 3, perFile = 30, cflags = ['-O1'], build = true } = {}) {
  const functions = [];
  const sources = [];
  for (let k = 0; k < files; k++) {
    const file = path.join(dir, `part${k}.c`);
    const bodies = [];
    const callers = [];
    for (let j = 0; j < perFile; j++) {
      const name = `file${k}_fn${j}`;
      const isStatic = j === perFile - 1;
      functions.push({ name, file, calls: callsOf(functions.length), isStatic });
      bodies.push(`${isStatic ? 'static ' : ''}__attribute__((noinline)) long ${name}(long x)\n{\n\tasm volatile("");\n\treturn x + ${j};\n}\n`);
      callers.push(`\tfor (int i = 0; i < ${functions.at(-1).calls}; i++)\n\t\tsum += ${name}(i);`);
    }
    bodies.push(`long run_part${k}(void)\n{\n\tvolatile long sum = 0;\n${callers.join('\n')}\n\treturn sum;\n}\n`);
    if (build) writeFileSync(file, bodies.join('\n'));
    sources.push(file);
  }
  const main = path.join(dir, 'main.c');
  const binary = path.join(dir, 'many-functions');
  if (!build) return { binary, functions, sources };
  writeFileSync(main, `#include <stdio.h>\n${Array.from({ length: files }, (_, k) => `long run_part${k}(void);`).join('\n')}
int main(void)
{
	char line[16];
	long sum = 0;

	printf("ready\\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
${Array.from({ length: files }, (_, k) => `\tsum += run_part${k}();`).join('\n')}
	return sum == 0;
}
`);
  execFileSync('gcc', ['-g', ...cflags, '-o', binary, main, ...sources]);
  return { binary, functions, sources };
}
