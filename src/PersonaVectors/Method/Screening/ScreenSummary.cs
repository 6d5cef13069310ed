using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Method.Screening;

/// <summary>
/// A screened dataset in numbers, per trait: the mean and spread of the projection differences, quantiles, the share
/// above a threshold, and the top-k samples. Read by streaming scores.jsonl once; only the scores themselves (one
/// number per sample and trait) and k records per trait are held.
/// </summary>
public static class ScreenSummary
{
    public static JsonObject FromScores(string scoresPath, double threshold = 0, int topK = 20)
    {
        if (!File.Exists(scoresPath)) throw new PersonaVectorsException($"{scoresPath} is missing: nothing has been screened");
        var values = new Dictionary<string, List<double>>();
        var top = new Dictionary<string, PriorityQueue<JsonObject, double>>();
        int samples = 0, number = 0;
        foreach (string line in File.ReadLines(scoresPath))
        {
            number++;
            if (line.Length == 0) continue;
            var r = ScreenRecord.Parse(line, scoresPath, number);
            samples++;
            foreach (var (trait, score) in r.Scores)
            {
                if (!values.TryGetValue(trait, out var list)) { values[trait] = list = []; top[trait] = new(); }
                list.Add(score);
                var q = top[trait];
                q.Enqueue(new JsonObject { ["line"] = r.Line, ["score"] = Math.Round(score, 4), ["prompt"] = r.Prompt }, score);
                if (q.Count > topK) q.Dequeue();
            }
        }
        var traits = new JsonObject();
        foreach (var (trait, list) in values)
        {
            list.Sort();
            double mean = list.Average();
            double std = Math.Sqrt(list.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, list.Count - 1));
            var best = new List<JsonObject>();
            while (top[trait].TryDequeue(out var item, out _)) best.Add(item);
            best.Reverse();
            traits[trait] = new JsonObject
            {
                ["mean"] = Math.Round(mean, 4), ["std"] = Math.Round(std, 4),
                ["p10"] = Math.Round(Quantile(list, 0.10), 4), ["p50"] = Math.Round(Quantile(list, 0.50), 4),
                ["p90"] = Math.Round(Quantile(list, 0.90), 4), ["p99"] = Math.Round(Quantile(list, 0.99), 4),
                ["threshold"] = threshold, ["share_above"] = Math.Round(list.Count(x => x > threshold) / (double)list.Count, 4),
                ["top"] = new JsonArray([.. best]),
            };
        }
        return new JsonObject { ["samples"] = samples, ["traits"] = traits };
    }

    /// <summary>Linear interpolation between order statistics (numpy's default) on sorted values.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Every sample's score for one trait, in file order.</summary>
    public static IEnumerable<(int Line, double Score)> Scores(string scoresPath, string trait)
    {
        int number = 0;
        foreach (string line in File.ReadLines(scoresPath))
        {
            number++;
            if (line.Length == 0) continue;
            var r = ScreenRecord.Parse(line, scoresPath, number);
            if (r.Scores.TryGetValue(trait, out double s)) yield return (r.Line, s);
        }
    }
}
