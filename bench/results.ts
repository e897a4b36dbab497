/** One number the bench prints. A figure whose correctness check failed has status FAIL and no value. */
export interface Figure {
  readonly suite: string;
  readonly name: string;
  readonly value: number | undefined;
  readonly unit: string;
  readonly status: 'ok' | 'FAIL' | 'skipped';
  /** The issue's target, e.g. '>= 2'; a met/missed verdict is printed beside it. */
  readonly target?: string;
  readonly note?: string;
}

export class Report {
  readonly figures: Figure[] = [];

  add(figure: Figure): Figure {
    this.figures.push(figure);
    console.log(JSON.stringify({ ...figure, verdict: verdict(figure) }));
    return figure;
  }

  ok(suite: string, name: string, value: number, unit: string, extra: { target?: string; note?: string } = {}): Figure {
    return this.add({ suite, name, value, unit, status: 'ok', ...extra });
  }

  fail(suite: string, name: string, unit: string, note: string): Figure {
    return this.add({ suite, name, value: undefined, unit, status: 'FAIL', note });
  }

  skip(suite: string, name: string, unit: string, note: string): Figure {
    return this.add({ suite, name, value: undefined, unit, status: 'skipped', note });
  }

  /** `a / b` as a ratio figure when both are numbers that passed their checks. */
  ratio(suite: string, name: string, a: Figure | undefined, b: Figure | undefined, target?: string): Figure {
    if (!a || !b || a.status !== 'ok' || b.status !== 'ok' || !a.value || !b.value) {
      const why = !a || !b ? 'missing input' : a.status !== 'ok' ? `${a.name}: ${a.status}` : `${b.name}: ${b.status}`;
      return (a?.status === 'skipped' || b?.status === 'skipped' ? this.skip : this.fail).call(this, suite, name, 'x', why);
    }
    return this.ok(suite, name, a.value / b.value, 'x', { target });
  }

  markdown(): string {
    const rows = ['| suite | figure | value | unit | check | target |', '|---|---|---:|---|---|---|'];
    for (const f of this.figures) {
      const value = f.value === undefined ? '' : formatValue(f.value);
      const check = f.status === 'ok' ? 'ok' : f.status === 'FAIL' ? `**FAIL** ${f.note ?? ''}` : `skipped ${f.note ?? ''}`;
      const target = f.target ? `${f.target} ${verdict(f) ?? ''}` : '';
      rows.push(`| ${f.suite} | ${f.name}${f.note && f.status === 'ok' ? ` (${f.note})` : ''} | ${value} | ${f.unit} | ${check.trim()} | ${target.trim()} |`);
    }
    return rows.join('\n');
  }
}

function formatValue(v: number): string {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** 'met' / 'missed' for targets of the form '>= n' or '<= n'. */
function verdict(f: Figure): string | undefined {
  if (!f.target || f.value === undefined || f.status !== 'ok') return undefined;
  const m = /^(>=|<=)\s*([\d.]+)/.exec(f.target);
  if (!m) return undefined;
  const bound = Number(m[2]);
  const met = m[1] === '>=' ? f.value >= bound : f.value <= bound;
  return met ? 'met' : 'missed';
}
