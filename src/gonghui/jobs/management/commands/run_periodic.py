from django.core.management.base import BaseCommand, CommandError

from gonghui.jobs.periodic import load_tasks, run_all, run_task


class Command(BaseCommand):
    help = "Run the periodic tasks once (escalations, overdue flags, reminders): for cron or by hand."

    def add_arguments(self, parser):
        parser.add_argument("--task", help="run only this task")
        parser.add_argument("--list", action="store_true", help="list the registered tasks")

    def handle(self, *args, task=None, list=False, **options):
        tasks = load_tasks()
        if list:
            for item in sorted(tasks.values(), key=lambda t: t.name):
                self.stdout.write(f"{item.name}\t{item.minutes} min")
            return
        if task:
            if task not in tasks:
                raise CommandError(f"unknown task {task!r}; known: {', '.join(sorted(tasks))}")
            results = {task: run_task(task)}
        else:
            results = run_all()
        for name, result in sorted(results.items()):
            self.stdout.write(f"{name}: {result}")
