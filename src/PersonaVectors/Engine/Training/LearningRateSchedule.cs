namespace PersonaVectors.Engine.Training;

/// <summary>Linear warmup followed by a cosine decay, as a pure function of the step.</summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// The learning rate after <paramref name="step"/> steps of the schedule: rises linearly from 0 at step 0
    /// to LearningRate at WarmupSteps, then follows half a cosine down to LearningRate × MinLearningRateRatio
    /// at Steps, and stays there. The trainer uses At(s) for its s-th update (s from 1), so no update is
    /// wasted at rate 0 and the last one runs at the minimum.
    /// </summary>
    public static double At(double step, TrainingOptions options)
    {
        double peak = options.LearningRate, floor = peak * options.MinLearningRateRatio;
        int warmup = options.WarmupSteps, total = options.Steps;
        if (step <= 0) return warmup > 0 ? 0 : peak;
        if (step < warmup) return peak * step / warmup;
        if (step >= total) return total > warmup ? floor : peak;
        double progress = (step - warmup) / (total - warmup);
        return floor + (peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
