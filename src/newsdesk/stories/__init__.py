"""Duplicates and stories: the same report on many sites, and one event followed across outlets.

    >>> from newsdesk.stories import DuplicateIndex, StoryTracker
    >>> tracker = StoryTracker()
    >>> for article in articles:              # in order of arrival
    ...     story = tracker.add(key, article)  # the story it joins (or starts)

`duplicates` finds exact and near-duplicate bodies (MinHash LSH); `features` turns an article into who,
where, when and words; `clustering` assigns each article to a story online.
"""

from newsdesk.stories.clustering import Story, StoryClusterer
from newsdesk.stories.duplicates import DuplicateIndex, Match
from newsdesk.stories.tracker import StoryTracker

__all__ = ["DuplicateIndex", "Match", "Story", "StoryClusterer", "StoryTracker"]
