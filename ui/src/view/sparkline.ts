// A small inline SVG line chart of recent metric samples.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 60;
const HEIGHT = 16;

/** Creates an empty sparkline; `updateSparkline` draws into it. */
export function createSparkline(label: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("width", String(WIDTH));
  svg.setAttribute("height", String(HEIGHT));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "currentColor");
  line.setAttribute("stroke-width", "1.5");
  svg.append(line);
  return svg;
}

/** Computes the polyline points for values. Gaps (null) are skipped and the scale starts at 0. */
export function sparklinePoints(values: (number | null)[]): string {
  const known = values.filter((value): value is number => value !== null);
  if (known.length < 2) {
    return "";
  }
  const max = Math.max(...known) || 1;
  const step = WIDTH / (values.length - 1);
  const points: string[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      return;
    }
    const x = index * step;
    const y = HEIGHT - 1 - (value / max) * (HEIGHT - 2);
    points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  return points.join(" ");
}

/** Redraws a sparkline from its values. */
export function updateSparkline(svg: SVGSVGElement, values: (number | null)[]): void {
  const line = svg.firstElementChild;
  if (!line) {
    return;
  }
  const points = sparklinePoints(values);
  if (line.getAttribute("points") !== points) {
    line.setAttribute("points", points);
  }
}
