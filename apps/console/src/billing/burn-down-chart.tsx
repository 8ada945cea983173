import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import type { ChartSeries } from '../usage/summaries';

/** The included-units burn-down (remaining units per day, one line per class); its own chunk, like the bar chart. */
export default function BurnDownChart({ rows, series, description }: { rows: Record<string, string | number>[]; series: ChartSeries[]; description: string }) {
  return (
    <div role="img" aria-label={description}>
      <LineChart
        h={220}
        data={rows}
        dataKey="date"
        series={series.map((s) => ({ name: s.name, label: s.label, color: s.color }))}
        withLegend
        legendProps={{ verticalAlign: 'bottom' }}
        curveType="linear"
        valueFormatter={(v) => v.toLocaleString()}
      />
    </div>
  );
}
