"""The dogbooth Serve app's logic (module dogbooth_logic, a ConfigMap): which model, which requests."""
import os
import tempfile
import unittest

import embedded

logic = embedded.module("dogbooth_logic")


class ModelSource(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.pointer = os.path.join(self.root, "dogbooth", "current")
        os.makedirs(os.path.dirname(self.pointer))

    def point(self, release):
        with open(self.pointer, "w", encoding="utf-8") as f:
            f.write(release + "\n")

    def release(self, name, complete=True):
        directory = os.path.join(self.root, name)
        os.makedirs(directory)
        if complete:
            with open(os.path.join(directory, "model_index.json"), "w", encoding="utf-8") as f:
                f.write("{}")
        return directory

    def test_no_pointer_serves_the_hub_model(self):
        self.assertEqual(logic.model_source(self.pointer, self.root, "org/dogbooth"), "org/dogbooth")

    def test_a_complete_release_is_served_from_the_model_data(self):
        directory = self.release("dogbooth/releases/wf-1")
        self.point("dogbooth/releases/wf-1")
        self.assertEqual(logic.model_source(self.pointer, self.root, "org/dogbooth"), directory)

    def test_a_release_still_being_imported_is_not_served_yet(self):
        self.release("dogbooth/releases/wf-2", complete=False)
        self.point("dogbooth/releases/wf-2")
        self.assertEqual(logic.model_source(self.pointer, self.root, "org/dogbooth"), "org/dogbooth")

    def test_a_pointer_outside_the_model_data_is_ignored(self):
        for bad in ("/etc", "../outside", ""):
            self.point(bad)
            self.assertEqual(logic.model_source(self.pointer, self.root, "org/dogbooth"), "org/dogbooth", bad)


class RequestProblem(unittest.TestCase):
    def test_valid_requests_pass(self):
        self.assertIsNone(logic.request_problem("a dog", 768))
        self.assertIsNone(logic.request_problem("a dog", 256))

    def test_empty_prompts_and_bad_sizes_are_refused(self):
        self.assertIsNotNone(logic.request_problem("  ", 768))
        for size in (250, 2048, 770):
            self.assertIsNotNone(logic.request_problem("a dog", size), size)


if __name__ == "__main__":
    unittest.main()
