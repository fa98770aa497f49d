"""The staging program's decisions (apps/workloads/vllm/staging-script.ts): which files of a
Hugging Face repository a server needs, the manifest replicas wait for, and when a run has nothing
left to do. The Hub and S3 calls in main() need the network and are not run here."""
import unittest

import embedded


class Plan(unittest.TestCase):
    def setUp(self):
        self.stage = embedded.module("stage_model")

    def test_the_indexed_safetensors_and_the_small_files_not_the_other_formats(self):
        files = {
            "config.json": 700,
            "generation_config.json": 180,
            "tokenizer.json": 9_000_000,
            "model-00001-of-00002.safetensors": 4_900_000_000,
            "model-00002-of-00002.safetensors": 2_100_000_000,
            "model.safetensors.index.json": 24_000,
            "consolidated.safetensors": 14_000_000_000,
            "pytorch_model-00001-of-00002.bin": 4_900_000_000,
            "original/consolidated.00.pth": 16_000_000_000,
        }
        index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
        self.assertEqual(
            [name for name, _ in self.stage.plan(files, index)],
            [
                "config.json",
                "generation_config.json",
                "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors",
                "model.safetensors.index.json",
                "tokenizer.json",
            ],
        )

    def test_without_safetensors_every_checkpoint_file(self):
        files = {"config.json": 1, "pytorch_model.bin": 10}
        self.assertEqual(self.stage.plan(files), [("config.json", 1), ("pytorch_model.bin", 10)])

    def test_refuses_what_no_server_could_load(self):
        with self.assertRaises(ValueError):
            self.stage.plan({"config.json": 1, "README.md": 2})
        with self.assertRaises(ValueError):
            self.stage.plan({"model.safetensors": 10})
        with self.assertRaises(ValueError):
            self.stage.plan({"config.json": 1, "a.safetensors": 10}, {"weight_map": {"x": "b.safetensors"}})
        with self.assertRaises(ValueError):
            self.stage.plan({"config.json": 1, "a.safetensors": None})

    def test_the_index_is_found_at_the_top_level_only(self):
        names = ["config.json", "sub/model.safetensors.index.json", "model.safetensors.index.json"]
        self.assertEqual(self.stage.find_index(names), "model.safetensors.index.json")
        self.assertIsNone(self.stage.find_index(["config.json"]))


class Manifest(unittest.TestCase):
    def setUp(self):
        self.stage = embedded.module("stage_model")

    def test_names_the_revision_then_each_file_with_its_size(self):
        text = self.stage.manifest("o/m", "abc", [("config.json", 3), ("model 1.safetensors", 5)])
        self.assertEqual(text, "o/m abc\n3 config.json\n5 model 1.safetensors\n")
        self.assertTrue(self.stage.is_staged(text, "o/m", "abc"))
        self.assertFalse(self.stage.is_staged(text, "o/m", "abd"))
        self.assertFalse(self.stage.is_staged("", "o/m", "abc"))


if __name__ == "__main__":
    unittest.main()
