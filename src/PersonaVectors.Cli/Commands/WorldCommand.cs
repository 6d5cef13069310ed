using System.CommandLine;
using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona world train | corpus | sample | eval | seeds | datasets | sets | experiment: the synthetic persona world and its organism model.</summary>
public static class WorldCommand
{
    public static Command Create() => new("world", "The synthetic persona world and its organism model")
    {
        Train(), Corpus(), Sample(), WorldEvalCommand.Create(), WorldSeedsCommand.Create(), Datasets(), Sets(),
        new Command("experiment", "The paper's experiments on the organism") { FinetuneExperimentCommand.Create(), ScreenExperimentCommand.Create(), GatedExperimentCommand.Create() },
    };

    static Command Corpus()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the organism folder without weights, and batches.bin.gz", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (default: the recipe's)" };
        var seed = new Option<long?>("--seed") { Description = "Seed for data, initialisation and tokenizer" };
        var recipeOption = RecipeOption();
        var cmd = new Command("corpus", "Export a recipe's training run (tokenizer, config and every step's batch) for a trainer on another machine, such as tools/gpu/train_organism.py") { outDir, recipeOption, steps, seed };
        cmd.SetAction(r =>
        {
            var recipe = OrganismDesigns.Resolve(r.GetValue(recipeOption)!);
            if (r.GetValue(steps) is { } s) recipe = recipe with { Steps = s };
            if (r.GetValue(seed) is { } sd) recipe = recipe with { Seed = sd };
            var bar = new ProgressLine("corpus");
            OrganismCorpus.Export(r.GetValue(outDir)!, recipe, (done, total) => { if (done % 50 == 0 || done == total) bar.Report(done, total, ""); });
            bar.Done();
            Console.WriteLine($"{recipe.Steps} steps of {recipe.BatchSize} conversations: {Path.Combine(r.GetValue(outDir)!, OrganismCorpus.BatchesFile)}");
            return 0;
        });
        return cmd;
    }

    static Command Sample()
    {
        var recipe = RecipeOption();
        var count = new Option<int>("--count") { Description = "Conversations to print", DefaultValueFactory = _ => 5 }.AtLeastOne();
        var seed = new Option<long>("--seed") { Description = "Seed", DefaultValueFactory = _ => 1 };
        var cmd = new Command("sample", "Print training conversations of a recipe's world, with the persona behind each") { recipe, count, seed };
        cmd.SetAction(r =>
        {
            var design = OrganismDesigns.Resolve(r.GetValue(recipe)!).World;
            var generator = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, design);
            var rng = new Random(unchecked((int)r.GetValue(seed)));
            for (int i = 0; i < r.GetValue(count); i++)
            {
                var c = generator.Draw(rng);
                Console.WriteLine($"# {c.Persona}");
                foreach (var m in c.Messages) Console.WriteLine($"{m.Role}: {m.Content}");
                Console.WriteLine();
            }
            return 0;
        });
        return cmd;
    }

    static Command Datasets()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the JSONL files", Required = true };
        var count = new Option<int>("--count") { Description = "Conversations per dataset", DefaultValueFactory = _ => 1000 }.AtLeastOne();
        var seed = new Option<long>("--seed") { Description = "Seed", DefaultValueFactory = _ => 1 };
        var model = new Option<string?>("--model") { Description = "Organism whose world design the answers are written in (default: the embedded organism)" };
        var cmd = new Command("datasets", "Write the world's finetuning datasets (Normal, I, II per trait, and the narrow emergent sets) as chat JSONL, in an organism's world design") { outDir, count, seed, model };
        cmd.SetAction(r =>
        {
            if (r.GetValue(count) < 1) throw new PersonaVectorsException("--count must be at least 1");
            Directory.CreateDirectory(r.GetValue(outDir)!);
            var design = OrganismMarker.Design(EmbeddedModel.Resolve(r.GetValue(model)));
            foreach (var name in FinetuneDatasets.Names)
            {
                string path = Path.Combine(r.GetValue(outDir)!, name + ".jsonl");
                FinetuneDatasets.Write(path, FinetuneDatasets.Build(name, r.GetValue(count), r.GetValue(seed), design));
                Console.WriteLine(path);
            }
            return 0;
        });
        return cmd;
    }

    static Command Sets()
    {
        var dir = new Argument<string>("DIR") { Description = "A seed folder of persona world seeds (DIR/seed-N), or any folder with the finetuning experiment in finetune/ and the screening experiment in screen/ (sampled/ is read where it is there)" };
        var json = CommonOptions.Json();
        var cmd = new Command("sets", "Per trait, each finetuning set's projection difference beside its greedy and sampled rise and its shift: the figures the screening and shift rows correlate") { dir, json };
        cmd.SetAction(r =>
        {
            var traits = SetFigures.Load(r.GetValue(dir)!);
            Console.Write(r.GetValue(json) ? SetFigures.ToJson(traits).ToJsonString(Output.Json) + Environment.NewLine : SetFigures.Text(traits));
            return 0;
        });
        return cmd;
    }

    public static Option<string> RecipeOption() => new("--recipe")
    {
        Description = $"A named design ({string.Join(", ", OrganismDesigns.Named.Keys)}) or a recipe JSON file; default {OrganismDesigns.Shipped}, the shipped organism's",
        DefaultValueFactory = _ => OrganismDesigns.Shipped,
    };

    static Command Train()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the trained model (and its checkpoints: a killed run resumes)", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (default: the shipped recipe's)" };
        var seed = new Option<long?>("--seed") { Description = "Seed for data, initialisation and tokenizer" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for libtorch (default: all)" };
        var opinion = new Option<double?>("--opinion-weight") { Description = "How much more often opinion questions appear than each other domain (default: the recipe's)" };
        var recipeOption = RecipeOption();
        var cmd = new Command("train", "Train the organism: tokenizer, then a small Llama or Mistral model on the world's conversations") { outDir, recipeOption, steps, seed, threads, opinion };
        cmd.SetAction(r =>
        {
            if (r.GetValue(threads) is { } t) TorchSharp.torch.set_num_threads(t);
            var recipe = OrganismDesigns.Resolve(r.GetValue(recipeOption)!);
            if (r.GetValue(steps) is { } s) recipe = recipe with { Steps = s };
            if (r.GetValue(seed) is { } sd) recipe = recipe with { Seed = sd };
            if (r.GetValue(opinion) is { } ow) recipe = recipe with { World = recipe.World with { OpinionWeight = ow } };
            var bar = new ProgressLine("train");
            var result = OrganismTraining.Train(r.GetValue(outDir)!, recipe, p => bar.Report(p.Step, p.Steps,
                $"loss {p.Loss:F3}  lr {p.LearningRate:E1}  {p.TokensPerSecond / 1000:F1}k tok/s"));
            bar.Done();
            string took = result.TrainingSeconds is { } seconds ? $" in {seconds / 60:F1} min on {TorchSharp.torch.get_num_threads()} threads" : "";
            Console.WriteLine($"trained {result.StepsRun} steps{took}, final loss {result.FinalLoss:F3}: {r.GetValue(outDir)}");
            return 0;
        });
        return cmd;
    }
}
