export {loadReportInputs, addDocument, detectKind, type ReportInputs, type ReportRun} from "./inputs.js";
export {renderHtmlReport, chartJsUmd, type HtmlReportOptions} from "./page.js";
export {benchCharts, ladderCharts, type ChartSpec} from "./charts.js";
export {escapeHtml, jsonForScript} from "./escape.js";
