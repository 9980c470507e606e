"""The reviewer's part of the site: the roadshow rubric (路演评审) and the 疑点清单 pages."""
