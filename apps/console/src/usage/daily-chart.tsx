import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import type { ChartSeries } from './summaries';

/**
 * The stacked daily bar chart. Its own module on purpose: the usage page loads
 * it with React.lazy, so recharts stays out of the console's first load.
 */
export default function DailyChart({ rows, series, description }: { rows: Record<string, string | number>[]; series: ChartSeries[]; description: string }) {
  return (
    <div role="img" aria-label={description}>
      <BarChart
        h={300}
        data={rows}
        dataKey="date"
        type="stacked"
        maxBarWidth={56}
        series={series.map((s) => ({ name: s.name, label: s.label, color: s.color }))}
        withLegend
        legendProps={{ verticalAlign: 'bottom' }}
        tickLine="y"
        valueFormatter={(v) => v.toLocaleString()}
      />
    </div>
  );
}
