"""The dogbooth pipeline's logic that needs no GPU (module dogbooth_pipeline, a ConfigMap)."""
import json
import os
import tempfile
import unittest
from unittest import mock

import embedded

p = embedded.module("dogbooth_pipeline")


class SplitImages(unittest.TestCase):
    def test_the_last_image_is_held_out_and_other_files_are_ignored(self):
        train, held = p.split_images(["b.jpg", "README.md", "a.PNG", "c.jpeg", ".gitattributes"])
        self.assertEqual(train, ["a.PNG", "b.jpg"])
        self.assertEqual(held, ["c.jpeg"])

    def test_fewer_than_three_images_is_refused(self):
        with self.assertRaisesRegex(ValueError, "at least 3"):
            p.split_images(["a.jpg", "b.jpg"])


class SweepGrid(unittest.TestCase):
    def test_one_candidate_per_rate_numbered_from_zero(self):
        grid = p.sweep_grid('["1e-6", "2e-6"]', "800")
        self.assertEqual(grid, [
            {"index": "0", "lr": "1e-6", "steps": "800"},
            {"index": "1", "lr": "2e-6", "steps": "800"},
        ])

    def test_an_empty_or_malformed_grid_is_refused(self):
        for bad in ("[]", '{"lr": 1}'):
            with self.assertRaises(ValueError):
                p.sweep_grid(bad, "800")


class SelectBest(unittest.TestCase):
    def test_the_highest_score_wins_and_scores_compare_as_numbers(self):
        # What Argo hands the select step: the candidates' output parameters, as JSON.
        results = json.dumps([{"index": "0", "score": "0.9"}, {"index": "1", "score": "0.95"},
                              {"index": "2", "score": "0.10"}])
        self.assertEqual(p.select_best(results), "1")

    def test_no_candidate_is_an_error(self):
        with self.assertRaises(ValueError):
            p.select_best("[]")


class ReleasePointer(unittest.TestCase):
    def test_the_pointer_is_the_release_relative_to_the_model_data(self):
        self.assertEqual(p.release_pointer("dogbooth/releases/wf-1"), "dogbooth/releases/wf-1\n")

    def test_absolute_or_escaping_releases_are_refused(self):
        for bad in ("/models/dogbooth", "dogbooth/../x"):
            with self.assertRaises(ValueError):
                p.release_pointer(bad)


class Steps(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp()
        self.patch = mock.patch.object(p, "WORK", self.work)
        self.patch.start()

    def tearDown(self):
        self.patch.stop()

    def test_configure_writes_the_grid_the_sweep_iterates_over(self):
        with mock.patch.dict(os.environ, {"LEARNING_RATES": '["5e-6"]', "MAX_TRAIN_STEPS": "50"}):
            p.main("configure")
        with open(os.path.join(self.work, "out", "sweep.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), [{"index": "0", "lr": "5e-6", "steps": "50"}])

    def test_deploy_copies_the_model_and_writes_the_pointer(self):
        model = os.path.join(self.work, "in", "model")
        os.makedirs(model)
        with open(os.path.join(model, "model_index.json"), "w", encoding="utf-8") as f:
            f.write("{}")
        with mock.patch.dict(os.environ, {"RELEASE": "dogbooth/releases/wf-2"}):
            p.main("deploy")
        self.assertTrue(os.path.isfile(os.path.join(self.work, "out", "release", "model_index.json")))
        with open(os.path.join(self.work, "out", "current"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "dogbooth/releases/wf-2\n")

    def test_packages_named_by_the_step_are_installed_first(self):
        with mock.patch.object(p, "install") as install, \
                mock.patch.dict(os.environ, {"PACKAGES": '["diffusers==1.0"]', "RESULTS": '[{"index": "0", "score": "1"}]'}):
            p.main("select")
        install.assert_called_once_with(["diffusers==1.0"])


if __name__ == "__main__":
    unittest.main()
