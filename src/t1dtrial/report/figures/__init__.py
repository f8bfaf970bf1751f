"""Figures of the report: one module a kind of figure, each drawing tidy data with labels.

Every figure function takes tidy :class:`pandas.DataFrame` s and the words a
reader sees (arm names, axis labels with units) and returns a matplotlib
:class:`~matplotlib.figure.Figure` drawn with the object API in the report's
style (:mod:`t1dtrial.report.plotting`): the report's contents
(:mod:`t1dtrial.report.contents`) compute the data from the results and
wrap the figure into the document. No figure function knows a protocol.

- :mod:`.forest`: estimates with confidence intervals by row (subgroups x
  comparisons, model terms);
- :mod:`.trajectory`: means with confidence intervals by arm over visits, with
  n per visit under the axis;
- :mod:`.waterfall`: one bar a participant, sorted, with a threshold line;
- :mod:`.survival`: Kaplan-Meier curves with numbers at risk, and swimmer plots;
- :mod:`.dose_response`: a summary by dose score with its trend;
- :mod:`.consort`: the CONSORT flow of participants (disposition).

Every figure of the report is also written to the analysis folder as
``figures/<key>.svg`` and ``.png`` (:func:`t1dtrial.report.write.render_report`).
"""
